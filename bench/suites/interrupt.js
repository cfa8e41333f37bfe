'use strict';
/**
 * Interrupt-to-next-task latency (issue #16): the time from
 * `cancel({ interrupt: true })` on a running call to the next call's result,
 * on a one-worker pool, for a task that honours the interrupt (polls
 * `throwIfInterrupted()`: the worker is kept) and for one that ignores it
 * (terminated and replaced after `interruptGraceMs`: 0 — at once, as every
 * interrupt did before — and the default). Also checks, per sample, whether
 * the next call ran on the same thread.
 *
 * Exported shape, like every suite: `async () => [{ suite, name, value, unit }]`.
 */
const path = require('node:path');
const { ThreadPoolExecutor, task } = require('../../dist/cjs');
const { kReps, median } = require('../lib');

const file = path.join(__dirname, '../tasks/interruptible.js');
const honour = task(file, 'honour');
const ignore = task(file, 'ignore');
const whichThread = task(file, 'whichThread');

async function started(flags) {
  const wait = Atomics.waitAsync(flags, 0, 0, 30_000);
  if (wait.async && (await wait.value) === 'timed-out') throw new Error('bench interrupt: the task did not start');
}

/** Median ms from interrupt to the next call's result, and how many samples kept their thread. */
async function measure(slow, interruptGraceMs, reps) {
  const pool = new ThreadPoolExecutor({ maxWorkers: 1, interruptGraceMs });
  try {
    const samples = [];
    let sameThread = 0;
    for (let i = 0; i <= reps; i++) {
      const before = await pool.submit(whichThread);
      const flags = new Int32Array(new SharedArrayBuffer(4));
      const running = pool.submit(slow, flags);
      await started(flags);
      const next = pool.submit(whichThread); // queued behind it
      const t0 = performance.now();
      running.cancel({ interrupt: true });
      const after = await next;
      const ms = performance.now() - t0;
      if (i === 0) continue; // warm-up
      samples.push(ms);
      if (after === before) sameThread += 1;
    }
    return { ms: median(samples), sameThread, samples: samples.length };
  } finally {
    await pool.shutdown({ cancelFutures: true });
  }
}

module.exports = async function interrupt() {
  const reps = Math.max(kReps, 5);
  const honoured = await measure(honour, 100, reps * 4);
  const forced = await measure(ignore, 0, reps);
  const graced = await measure(ignore, 100, reps);
  const row = (name, r) => ({
    suite: 'interrupt',
    name: `${name} (next call on the same thread ${r.sameThread}/${r.samples})`,
    value: r.ms,
    unit: 'ms',
    sameThread: r.sameThread,
    samples: r.samples,
  });
  return [
    { ...row('interrupt to next task, task honours it (throwIfInterrupted)', honoured), honoured: true },
    row('interrupt to next task, task ignores it, interruptGraceMs 0 (terminate at once)', forced),
    row('interrupt to next task, task ignores it, interruptGraceMs 100 (default)', graced),
  ];
};

if (require.main === module) {
  module.exports().then((rows) => {
    for (const r of rows) console.log(`${r.value.toFixed(3)} ${r.unit}  ${r.name}`);
  });
}
