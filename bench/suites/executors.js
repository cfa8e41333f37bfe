'use strict';
/**
 * 6. Executors side by side: tiny-task throughput (N `x * 2` tasks in flight)
 * and sequential round-trip latency (p50) of ProcessPoolExecutor and
 * AsyncExecutor beside ThreadPoolExecutor, two workers each. The process
 * pool also runs map with chunksize 100, its intended use for tiny items.
 */
const path = require('node:path');
const { AsyncExecutor, ProcessPoolExecutor, ThreadPoolExecutor, task } = require('../../dist/cjs');
const { median, medianOf, rate } = require('../lib');

const N = Number(process.env.BENCH_EXECUTORS_N ?? 20_000);
const LATENCY_N = Number(process.env.BENCH_LATENCY_N ?? 2_000);
const double = task(path.join(__dirname, '../tasks/double.js'), 'double');
const items = Array.from({ length: N }, (_, i) => i);

const kExecutors = [
  ['ThreadPoolExecutor', () => new ThreadPoolExecutor({ maxWorkers: 2 })],
  ['ProcessPoolExecutor', () => new ProcessPoolExecutor({ maxWorkers: 2 })],
  ['AsyncExecutor', () => new AsyncExecutor({ maxWorkers: 2 })],
];

async function p50(executor) {
  for (let i = 0; i < 200; i++) await executor.submit(double, i); // warm-up
  const us = [];
  for (let i = 0; i < LATENCY_N; i++) {
    const t0 = process.hrtime.bigint();
    await executor.submit(double, i);
    us.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return median(us);
}

module.exports = async function executors() {
  const rows = [];
  for (const [name, make] of kExecutors) {
    const executor = make();
    const submit = await medianOf(() => rate(N, () => Promise.all(items.map((i) => executor.submit(double, i)))));
    rows.push({ suite: 'executors', name: `${name} submit + await (2 workers)`, value: submit, unit: 'tasks/s' });
    if (name === 'ProcessPoolExecutor') {
      const mapped = await medianOf(() =>
        rate(N, async () => {
          for await (const _ of executor.map(double, items, { chunksize: 100 })) void _;
        }),
      );
      rows.push({ suite: 'executors', name: `${name}.map(chunksize=100) (2 workers)`, value: mapped, unit: 'items/s' });
      // Default options, as the target compares it with Python's map(chunksize=100).
      const plain = await medianOf(() =>
        rate(N, async () => {
          for await (const _ of executor.map(double, items)) void _;
        }),
      );
      rows.push({ suite: 'executors', name: `${name}.map (default) (2 workers)`, value: plain, unit: 'items/s' });
    }
    rows.push({ suite: 'executors', name: `${name} sequential round trip p50`, value: await p50(executor), unit: 'µs' });
    await executor.shutdown();
  }
  return rows;
};
