'use strict';
/** 3. Latency: 5,000 sequential round trips on an idle pool; p50 and p99 in µs. */
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const { Piscina } = require('piscina');
const { ThreadPoolExecutor, task } = require('../../dist/cjs');
const { median, percentile } = require('../lib');

const N = Number(process.env.BENCH_LATENCY_N ?? 5_000);
const double = path.join(__dirname, '../tasks/double.js');

async function sample(call) {
  for (let i = 0; i < 500; i++) await call(i); // warm-up
  const us = [];
  for (let i = 0; i < N; i++) {
    const t0 = process.hrtime.bigint();
    await call(i);
    us.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return { p50: median(us), p99: percentile(us, 99) };
}

module.exports = async function latency() {
  const rows = [];
  const add = (name, r) => {
    rows.push({ suite: 'latency', name: `${name} p50`, value: r.p50, unit: 'µs' });
    rows.push({ suite: 'latency', name: `${name} p99`, value: r.p99, unit: 'µs' });
  };
  const piscina = new Piscina({ filename: double, minThreads: 1, maxThreads: 1, idleTimeout: Infinity });
  add('raw Piscina', await sample((i) => piscina.run(i)));
  await piscina.destroy();

  const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  const t = task(double, 'double');
  add('rxfutures', await sample((i) => pool.submit(t, i)));
  await pool.shutdown();

  const worker = new Worker(path.join(__dirname, '../tasks/rawEcho.js'));
  add(
    'raw worker_threads echo (floor)',
    await sample((i) => new Promise((resolve) => {
      worker.once('message', resolve);
      worker.postMessage(i);
    })),
  );
  await worker.terminate();
  return rows;
};
