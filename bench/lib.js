'use strict';
/** Shared measuring helpers: repetitions, medians, percentiles, formatting. */

const kReps = Number(process.env.BENCH_REPS ?? 5);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

// The repetitions behind each median medianOf returned, by that median: run.js prints the spread
// (min–median–max) beside every figure without each suite having to carry it.
const spreads = new Map();

/** Runs `fn` once to warm up, then `reps` times; returns the median of what it returns. */
async function medianOf(fn, reps = kReps) {
  await fn();
  const values = [];
  for (let i = 0; i < reps; i++) values.push(await fn());
  const m = median(values);
  spreads.set(m, { min: Math.min(...values), max: Math.max(...values), reps });
  return m;
}

/**
 * Like medianOf for several jobs measured against each other: one warm-up
 * each, then `reps` rounds that run every job once, in turn (alternating the
 * order between rounds). A change of load on a shared machine then falls on
 * every job alike, so the ratio of their medians holds better than medians
 * taken back to back (the QueueExecutor map/mapOrdered$ ratio moved 0.5–1.7×
 * between blocks on a busy machine). Returns the medians, in order.
 */
async function mediansOfInterleaved(fns, reps = kReps) {
  for (const fn of fns) await fn();
  const values = fns.map(() => []);
  for (let i = 0; i < reps; i++) {
    const order = fns.map((_, j) => (i % 2 === 0 ? j : fns.length - 1 - j));
    for (const j of order) values[j].push(await fns[j]());
  }
  return values.map((v) => {
    const m = median(v);
    spreads.set(m, { min: Math.min(...v), max: Math.max(...v), reps });
    return m;
  });
}

/** The min and max of the repetitions behind a median medianOf returned, or undefined (a single measurement). */
function spreadOf(value) {
  return spreads.get(value);
}

/** Items per second of an async job over n items. */
async function rate(n, job) {
  const t0 = performance.now();
  await job();
  return n / ((performance.now() - t0) / 1000);
}

function fmt(n, digits = 0) {
  return Number(n).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

module.exports = { kReps, median, percentile, medianOf, mediansOfInterleaved, spreadOf, rate, fmt };
