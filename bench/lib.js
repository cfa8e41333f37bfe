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

/** Runs `fn` once to warm up, then `reps` times; returns the median of what it returns. */
async function medianOf(fn, reps = kReps) {
  await fn();
  const values = [];
  for (let i = 0; i < reps; i++) values.push(await fn());
  return median(values);
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

module.exports = { kReps, median, percentile, medianOf, rate, fmt };
