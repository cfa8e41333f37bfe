'use strict';
/**
 * 8. The demo — `npm run demo` as a new user runs it (tsx, default tree: this project's
 * node_modules), three times; its printed ratio (serial time / pool time) and the best ratio
 * its printed CPU times allow on this machine's cores (cores × serial CPU / pool CPU). The
 * issue's target is judged on the median of the three (issue #15).
 */
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { median } = require('../lib');

const kRuns = Number(process.env.BENCH_DEMO_RUNS ?? 3);
const kRoot = path.join(__dirname, '../..');

/** One demo run's two figures, read from its closing lines. */
function runDemo() {
  const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(kRoot, 'demo/search.ts')], {
    cwd: kRoot,
    encoding: 'utf8',
    timeout: 300_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ratio = /→ {2}([\d.]+)× with the pool/.exec(out);
  const bound = /the best ratio the pool could reach here is about .* = ([\d.]+)×/.exec(out);
  if (ratio === null || bound === null) throw new Error(`the demo's closing lines were not found in its output:\n${out.slice(-2000)}`);
  return { ratio: Number(ratio[1]), bound: Number(bound[1]) };
}

module.exports = async function demo() {
  const runs = Array.from({ length: kRuns }, runDemo);
  const row = (name, values) => ({
    suite: 'demo',
    name,
    value: median(values),
    unit: '×',
    spread: { min: Math.min(...values), max: Math.max(...values), reps: values.length },
  });
  return [
    row('npm run demo: serial time / pool time', runs.map((r) => r.ratio)),
    row('npm run demo: best ratio its CPU times allow', runs.map((r) => r.bound)),
  ];
};
