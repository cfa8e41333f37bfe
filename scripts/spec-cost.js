#!/usr/bin/env node
/**
 * What each spec file costs, ranked (issue #17's budget for the test
 * command: the CPU time is what counts when another job shares the machine):
 *
 *   node scripts/spec-cost.js [--out cost.jsonl] [-- jest args…]
 *   node scripts/spec-cost.js --report cost.jsonl
 *
 * Runs Jest with scripts/spec-cost-environment.js as the test environment
 * (so each file's CPU is taken inside the Jest worker that ran it: its own
 * threads plus the child processes it reaped, and its peak RSS), then prints
 * one line per file, costliest first, and the totals. Jest's own output
 * passes through. Needs the build, as `npm test` does (run `npm run build`
 * first). Linux only.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const argv = process.argv.slice(2);

function report(file) {
  const rows = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  for (const row of rows) row.total = row.cpuSeconds + row.childCpuSeconds;
  rows.sort((a, b) => b.total - a.total);
  const pad = (value, width) => String(value).padStart(width);
  const sum = (key) => rows.reduce((s, r) => s + r[key], 0);
  console.log(`${pad('cpu s', 7)} ${pad('self', 6)} ${pad('child', 6)} ${pad('wall s', 7)} ${pad('peak MB', 7)}  file`);
  for (const r of rows) {
    console.log(
      `${pad(r.total.toFixed(1), 7)} ${pad(r.cpuSeconds.toFixed(1), 6)} ${pad(r.childCpuSeconds.toFixed(1), 6)} ` +
        `${pad(r.wallSeconds.toFixed(1), 7)} ${pad(r.peakRssMB, 7)}  ${path.relative(root, r.file)}`,
    );
  }
  console.log(
    `${pad(sum('total').toFixed(1), 7)} ${pad(sum('cpuSeconds').toFixed(1), 6)} ${pad(sum('childCpuSeconds').toFixed(1), 6)} ` +
      `${pad(sum('wallSeconds').toFixed(1), 7)} ${pad(Math.max(0, ...rows.map((r) => r.peakRssMB)), 7)}  total of ${rows.length} files (peak: the largest)`,
  );
}

if (argv[0] === '--report') {
  report(argv[1]);
} else {
  let out = path.join(os.tmpdir(), `rxfutures-spec-cost-${process.pid}.jsonl`);
  if (argv[0] === '--out') {
    out = path.resolve(argv[1]);
    argv.splice(0, 2);
  }
  if (argv[0] === '--') argv.shift();
  fs.rmSync(out, { force: true });
  const jest = require.resolve('jest/bin/jest', { paths: [root] });
  const environment = path.join(__dirname, 'spec-cost-environment.js');
  const result = spawnSync(process.execPath, [jest, '--testEnvironment', environment, ...argv], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, RXFUTURES_SPEC_COST: out },
  });
  if (fs.existsSync(out)) report(out);
  process.exitCode = result.status ?? 1;
}
