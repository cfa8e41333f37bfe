'use strict';
/**
 * 3. Latency: 5,000 sequential round trips on an idle 1-worker pool; p50 and
 * p99 in µs, medians over BENCH_REPS rounds.
 *
 * Two measurements, because on a virtual machine a round trip's time depends
 * less on the software than on whether the other side's CPU was asleep:
 *
 * - Pinned to one CPU (`taskset -c 0`, where it exists), the runners
 *   interleaved call by call in one process: a trip costs the two threads' own
 *   work plus two context switches — the software's cost, steady to ~1 µs
 *   between runs. The target is judged on this.
 * - Free to move, each runner alone in a fresh process per round (runners in
 *   one process disturb each other's wake-ups), rounds alternating between
 *   runners: what a user of this machine sees. Here a trip is fast (~20 µs)
 *   only while the other side answers within the few µs the guest polls
 *   before it halts its CPU; past that, waking it costs ~50 µs more. So a
 *   couple of µs of work on either side can triple a trip, and it flips
 *   between the two modes from run to run.
 */
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const { Piscina } = require('piscina');
const { ThreadPoolExecutor, task } = require('../../dist/cjs');
const { kReps, median, percentile } = require('../lib');

const N = Number(process.env.BENCH_LATENCY_N ?? 5_000);
const double = path.join(__dirname, '../tasks/double.js');

/** Each runner: what it starts, how it makes one trip, how it stops. */
const kRunners = {
  'raw Piscina': () => {
    const piscina = new Piscina({ filename: double, minThreads: 1, maxThreads: 1, idleTimeout: Infinity });
    return { call: (i) => piscina.run(i), stop: () => piscina.destroy() };
  },
  rxfutures: () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const t = task(double, 'double');
    return { call: (i) => pool.submit(t, i), stop: () => pool.shutdown() };
  },
  'raw worker_threads echo (floor)': () => {
    const worker = new Worker(path.join(__dirname, '../tasks/rawEcho.js'));
    const call = (i) =>
      new Promise((resolve) => {
        worker.once('message', resolve);
        worker.postMessage(i);
      });
    return { call, stop: () => worker.terminate() };
  },
};
const kNames = Object.keys(kRunners);

/** N trips per named runner, interleaved call by call (rotating start); p50 and p99 per runner. */
async function measure(names) {
  const runners = names.map((name) => kRunners[name]());
  for (const { call } of runners) for (let i = 0; i < 1_000; i++) await call(i); // warm-up
  const us = runners.map(() => []);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < runners.length; j++) {
      const k = (i + j) % runners.length;
      const t0 = process.hrtime.bigint();
      await runners[k].call(i);
      us[k].push(Number(process.hrtime.bigint() - t0) / 1000);
    }
  }
  await Promise.all(runners.map(({ stop }) => stop()));
  return names.map((name, k) => ({ name, p50: median(us[k]), p99: percentile(us[k], 99) }));
}

/** Runs `measure(names)` in a child process (with `prefix`, e.g. taskset); undefined if the prefix is missing. */
function inChild(names, prefix = []) {
  const [command, ...args] = [...prefix, process.execPath, __filename, '--child', ...names];
  try {
    const out = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 300_000 });
    return JSON.parse(out);
  } catch (err) {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Per runner, the medians of the rounds' p50s and p99s. */
function medians(rounds) {
  return kNames.map((name) => {
    const mine = rounds.flat().filter((r) => r.name === name);
    return { name, p50: median(mine.map((r) => r.p50)), p99: median(mine.map((r) => r.p99)) };
  });
}

module.exports = async function latency() {
  const rows = [];
  const add = (results, suffix) => {
    for (const r of results) {
      rows.push({ suite: 'latency', name: `${r.name} p50${suffix}`, value: r.p50, unit: 'µs' });
      rows.push({ suite: 'latency', name: `${r.name} p99${suffix}`, value: r.p99, unit: 'µs' });
    }
  };
  const pinned = [];
  for (let rep = 0; rep < kReps; rep++) {
    const round = inChild(kNames, ['taskset', '-c', '0']);
    if (round === undefined) break; // no taskset here
    pinned.push(round);
  }
  const alone = [];
  for (let rep = 0; rep < kReps; rep++) {
    for (let j = 0; j < kNames.length; j++) alone.push(inChild([kNames[(rep + j) % kNames.length]]));
  }
  // Without taskset the unpinned figures are the only ones, and the target is judged on them.
  if (pinned.length > 0) add(medians(pinned), '');
  add(medians(alone), pinned.length > 0 ? ', free to move, each alone' : '');
  return rows;
};

if (require.main === module && process.argv[2] === '--child') {
  measure(process.argv.slice(3)).then(
    (results) => process.stdout.write(JSON.stringify(results)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
