'use strict';
/**
 * 3. Latency: 5,000 sequential round trips on an idle 1-worker pool; p50 and
 * p99 in µs, medians over BENCH_REPS repetitions.
 *
 * The runners are interleaved call by call (raw Piscina, rxfutures, the raw
 * echo, round-robin with a rotating start), so slow phases of the machine
 * hit all of them alike instead of whichever happened to run then.
 *
 * Where `taskset` exists the suite runs twice. Pinned to one CPU, a round
 * trip costs the two threads' own work plus two context switches: the
 * software's cost, steady to ~1 µs between runs — the target is judged on
 * this. With threads free to move, a trip also pays for waking a sleeping
 * CPU on the other side; on a virtual machine that wake-up costs tens of µs
 * and depends on where the scheduler put each thread, so every runner's p50
 * swings between ~20 and ~100 µs from one run to the next. Those figures are
 * reported too, for what a user's machine may see, but a ratio between them
 * measures the placement lottery more than the libraries.
 */
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const { Piscina } = require('piscina');
const { ThreadPoolExecutor, task } = require('../../dist/cjs');
const { kReps, median, percentile } = require('../lib');

const N = Number(process.env.BENCH_LATENCY_N ?? 5_000);
const double = path.join(__dirname, '../tasks/double.js');

/** kReps rounds of N interleaved trips per runner; per runner the median p50 and p99. */
async function measure() {
  const piscina = new Piscina({ filename: double, minThreads: 1, maxThreads: 1, idleTimeout: Infinity });
  const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  const t = task(double, 'double');
  const worker = new Worker(path.join(__dirname, '../tasks/rawEcho.js'));
  const runners = [
    ['raw Piscina', (i) => piscina.run(i)],
    ['rxfutures', (i) => pool.submit(t, i)],
    [
      'raw worker_threads echo (floor)',
      (i) =>
        new Promise((resolve) => {
          worker.once('message', resolve);
          worker.postMessage(i);
        }),
    ],
  ];
  for (const [, call] of runners) for (let i = 0; i < 1_000; i++) await call(i); // warm-up
  const p50 = runners.map(() => []);
  const p99 = runners.map(() => []);
  for (let rep = 0; rep < kReps; rep++) {
    const us = runners.map(() => []);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < runners.length; j++) {
        const k = (i + j) % runners.length;
        const t0 = process.hrtime.bigint();
        await runners[k][1](i);
        us[k].push(Number(process.hrtime.bigint() - t0) / 1000);
      }
    }
    us.forEach((samples, k) => {
      p50[k].push(median(samples));
      p99[k].push(percentile(samples, 99));
    });
  }
  await Promise.all([piscina.destroy(), pool.shutdown(), worker.terminate()]);
  return runners.map(([name], k) => ({ name, p50: median(p50[k]), p99: median(p99[k]) }));
}

/** The same measurement in a child process pinned to CPU 0, or undefined where taskset is missing. */
function measurePinned() {
  try {
    const out = execFileSync('taskset', ['-c', '0', process.execPath, __filename, '--child'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 300_000,
    });
    return JSON.parse(out);
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
    return undefined;
  }
}

module.exports = async function latency() {
  const rows = [];
  const add = (results, suffix) => {
    for (const r of results) {
      rows.push({ suite: 'latency', name: `${r.name} p50${suffix}`, value: r.p50, unit: 'µs' });
      rows.push({ suite: 'latency', name: `${r.name} p99${suffix}`, value: r.p99, unit: 'µs' });
    }
  };
  const pinned = measurePinned();
  if (pinned !== undefined) add(pinned, '');
  // Without taskset the unpinned figures are the only ones, and the target is judged on them.
  add(await measure(), pinned === undefined ? '' : ', threads free to move');
  return rows;
};

if (require.main === module && process.argv[2] === '--child') {
  measure().then(
    (results) => process.stdout.write(JSON.stringify(results)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
