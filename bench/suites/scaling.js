'use strict';
/** 4. CPU scaling: 40 tasks of ~20 ms CPU each — serial, then 1 and 2 workers. */
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const { ThreadPoolExecutor, task } = require('../../dist/cjs');
const spin = require('../tasks/spin');
const { medianOf } = require('../lib');

const kTasks = 40;

/** Iterations of spin() that take about `ms` on this machine. */
function calibrate(ms) {
  let n = 100_000;
  for (;;) {
    const t0 = performance.now();
    spin(n);
    const took = performance.now() - t0;
    if (took > 5) return Math.round((n * ms) / took);
    n *= 2;
  }
}

async function time(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

module.exports = async function scaling() {
  const iterations = calibrate(20);
  const rows = [];
  const add = (name, ms, serial) =>
    rows.push({ suite: 'scaling', name, value: ms, unit: 'ms', speedup: serial === undefined ? undefined : serial / ms });

  const serial = await medianOf(() => time(() => { for (let i = 0; i < kTasks; i++) spin(iterations); }), 3);
  add('serial on the main thread', serial);
  const t = task(path.join(__dirname, '../tasks/spin.js'), 'spin');
  for (const workers of [1, 2]) {
    const pool = new ThreadPoolExecutor({ maxWorkers: workers });
    const ms = await medianOf(() => time(() => Promise.all(Array.from({ length: kTasks }, () => pool.submit(t, iterations)))), 3);
    add(`rxfutures, ${workers} worker${workers > 1 ? 's' : ''}`, ms, serial);
    await pool.shutdown();
  }
  const raw = [0, 1].map(() => new Worker(path.join(__dirname, '../tasks/rawEcho.js')));
  const rawRun = () =>
    Promise.all(
      raw.map(
        (w) =>
          new Promise((resolve) => {
            let left = kTasks / 2;
            w.removeAllListeners('message');
            w.on('message', () => (--left === 0 ? resolve() : w.postMessage({ spin: iterations })));
            w.postMessage({ spin: iterations });
          }),
      ),
    );
  add('raw worker_threads pair', await medianOf(() => time(rawRun), 3), serial);
  await Promise.all(raw.map((w) => w.terminate()));
  return rows;
};
