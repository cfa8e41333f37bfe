'use strict';
/**
 * 5. Memory (run in a child with --expose-gc): bytes per pending Future with
 * 100,000 queued, against Piscina's bytes per queued task; heap growth after
 * 1,000,000 items through mapOrdered$.
 */
const path = require('node:path');
const { Piscina } = require('piscina');
const { range, lastValueFrom, count } = require('rxjs');
const { ThreadPoolExecutor, task, mapOrdered$ } = require('../../dist/cjs');

const N = 100_000;
const double = path.join(__dirname, '../tasks/double.js');

function heap() {
  global.gc();
  global.gc();
  return process.memoryUsage().heapUsed;
}

// A task that holds its worker until flag[0] is set, so everything after it queues.
const hold = (flags) => {
  Atomics.wait(flags, 0, 0);
  return 0;
};

async function perPendingFuture() {
  const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  const flags = new Int32Array(new SharedArrayBuffer(4));
  const t = task(double, 'double');
  await pool.submit(t, 1);
  const blocker = pool.submit(hold, flags);
  const before = heap();
  const futures = Array.from({ length: N }, (_, i) => pool.submit(t, i));
  const bytes = (heap() - before) / N;
  pool.shutdown({ cancelFutures: true });
  Atomics.store(flags, 0, 1);
  Atomics.notify(flags, 0);
  await blocker;
  await pool.shutdown();
  void futures;
  return bytes;
}

async function perPiscinaTask() {
  const pool = new Piscina({ filename: double, minThreads: 1, maxThreads: 1, idleTimeout: Infinity });
  const holdFile = path.join(__dirname, '../tasks/hold.js');
  const flags = new Int32Array(new SharedArrayBuffer(4));
  await pool.run(1);
  const blocker = pool.run(flags, { filename: holdFile });
  const before = heap();
  const promises = Array.from({ length: N }, (_, i) => pool.run(i));
  const bytes = (heap() - before) / N;
  Atomics.store(flags, 0, 1);
  Atomics.notify(flags, 0);
  await blocker;
  await Promise.all(promises);
  await pool.destroy();
  return bytes;
}

async function mapOrderedMillion() {
  const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
  const t = task(double, 'double');
  const before = heap();
  // Peak *retained* heap: collect garbage before each sample, so the figure is what the
  // pipeline holds (values, futures, buffers), not how lazily the GC happened to run.
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, heap() - before)), 100);
  await lastValueFrom(range(0, 1_000_000).pipe(mapOrdered$(pool, t), count()));
  clearInterval(sampler);
  const after = heap() - before;
  await pool.shutdown();
  return { peak, after };
}

(async () => {
  const ours = await perPendingFuture();
  const piscina = await perPiscinaTask();
  const million = await mapOrderedMillion();
  process.stdout.write(JSON.stringify({ ours, piscina, million }));
})();
