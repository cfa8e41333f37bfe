'use strict';
/**
 * 7. Mid-size tasks — what real users submit: ~20 µs, ~100 µs, ~500 µs and ~2 ms of CPU per
 * call, and one call that reads and hashes a file. 2 workers each. Every runner does the same
 * calls; the speedup is against the same loop run serially on the main thread, in this run:
 *  - rxfutures: mapUnordered$ over the calls, default options (as the demo does);
 *  - raw Piscina: one piscina.run per call, all in flight;
 *  - raw worker_threads pair: two workers fed by hand, batches of ~2 ms of calls, two batches in
 *    flight per worker — the floor no pool can beat without changing the work.
 */
const fs = require('node:fs');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const { lastValueFrom, from, count } = require('rxjs');
const { Piscina } = require('piscina');
const { ThreadPoolExecutor, mapUnordered$, task } = require('../../dist/cjs');
const { hashFile, spin } = require('../tasks/midsize');
const { medianOf } = require('../lib');

const kFile = path.join(__dirname, '../tasks/midsize.js');
const kSizesMs = [0.02, 0.1, 0.5, 2];
// Serial work per measurement (ms): long enough to dwarf start-up jitter, short enough for 3 reps.
const kSerialMs = Number(process.env.BENCH_MIDSIZE_MS ?? 400);
const kBatchMs = 2;

/** Rounds of spin() per millisecond on this machine: the main thread, warmed up, median of 5. */
function spinPerMs() {
  for (let i = 0; i < 20; i++) spin(500); // past V8's tiers, so calibration measures steady cost
  const rates = [];
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    spin(2000);
    rates.push(2000 / (performance.now() - t0));
  }
  return rates.sort((a, b) => a - b)[2];
}

async function time(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Up to `max` regular files under `root`, in a fixed order. */
function someFiles(root, max) {
  const out = [];
  const pending = [root];
  while (pending.length > 0 && out.length < max) {
    const dir = pending.pop();
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) pending.push(full);
      else if (e.isFile() && out.length < max) out.push(full);
    }
  }
  return out;
}

/** The raw pair, fed by hand: `calls` split in batches of `perBatch`, two batches in flight per worker. */
function rawPair(workers, calls, perBatch, toMessage) {
  return new Promise((resolve) => {
    let next = 0;
    let done = 0;
    const send = (w) => {
      if (next >= calls.length) return;
      const batch = calls.slice(next, next + perBatch);
      next += batch.length;
      w.postMessage(toMessage(batch));
    };
    for (const w of workers) {
      w.removeAllListeners('message');
      w.on('message', (results) => {
        done += results.length;
        if (done === calls.length) resolve();
        else send(w);
      });
      send(w);
      send(w);
    }
  });
}

module.exports = async function midsize() {
  const rows = [];
  const perMs = spinPerMs();
  const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
  const piscina = new Piscina({ filename: kFile, minThreads: 2, maxThreads: 2 });
  const raw = [0, 1].map(() => new Worker(kFile, { workerData: { raw: true } }));
  const spinTask = task(kFile, 'spin');
  const hashTask = task(kFile, 'hashFile');
  const files = someFiles(path.join(__dirname, '../../node_modules'), 2000);

  const cases = kSizesMs.map((ms) => {
    const iterations = Math.max(1, Math.round(ms * perMs));
    const n = Math.ceil(kSerialMs / ms / 2) * 2;
    return {
      label: ms < 1 ? `~${Math.round(ms * 1000)} µs` : `~${ms} ms`,
      calls: Array.from({ length: n }, () => iterations),
      serial: (calls) => { for (const it of calls) spin(it); },
      ours: spinTask,
      piscinaArg: (it) => ({ spin: it }),
      perBatch: Math.max(1, Math.round(kBatchMs / ms)),
      message: (batch) => ({ spin: batch[0], count: batch.length }),
    };
  });
  cases.push({
    label: 'read + sha256 a file',
    calls: files,
    serial: (calls) => { for (const f of calls) hashFile(f); },
    ours: hashTask,
    piscinaArg: (file) => ({ file }),
    perBatch: 0, // set from the serial time below
    message: (batch) => ({ files: batch }),
  });

  for (const c of cases) {
    const n = c.calls.length;
    const serial = await medianOf(() => time(() => c.serial(c.calls)), 3);
    if (c.perBatch === 0) c.perBatch = Math.max(1, Math.round(kBatchMs / (serial / n)));
    const add = (runner, ms) =>
      rows.push({ suite: 'midsize', name: `${c.label}: ${runner}`, value: ms, unit: 'ms', speedup: runner === 'serial' ? undefined : serial / ms });
    add('serial', serial);
    add('rxfutures mapUnordered$', await medianOf(() => time(() => lastValueFrom(from(c.calls).pipe(mapUnordered$(pool, c.ours), count()))), 3));
    add('raw Piscina', await medianOf(() => time(() => Promise.all(c.calls.map((x) => piscina.run(c.piscinaArg(x))))), 3));
    add('raw worker_threads pair, hand-batched', await medianOf(() => time(() => rawPair(raw, c.calls, c.perBatch, c.message)), 3));
  }
  await Promise.all([pool.shutdown(), piscina.destroy(), ...raw.map((w) => w.terminate())]);
  return rows;
};

module.exports.labels = [...kSizesMs.map((ms) => (ms < 1 ? `~${Math.round(ms * 1000)} µs` : `~${ms} ms`)), 'read + sha256 a file'];
module.exports.sizesMs = kSizesMs;
