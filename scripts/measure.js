#!/usr/bin/env node
/**
 * Runs a command and reports what it cost the machine, for the test
 * command's budget (issue #17: ≤ 4 min, ≤ 1.2 GB peak RSS of the whole
 * process tree):
 *
 *   node scripts/measure.js [--out file.json] -- npm test
 *
 * - wall: from spawn to exit.
 * - cpu: user + sys of the command and every descendant it waited for, from
 *   /usr/bin/time (getrusage RUSAGE_CHILDREN), so Jest's workers, worker
 *   threads, child processes and redis-server instances the specs reaped
 *   all count.
 * - peak RSS of the tree: every 250 ms the process tree under the command is
 *   walked through /proc (children by PPid) and the VmRSS of its processes
 *   summed; the largest sum is reported. (Pages shared between processes are
 *   counted once per process, as `ps` does: an upper bound.) Short-lived
 *   processes between two samples can be missed.
 * - load: the 1-minute load average at start and at the end, so a figure
 *   taken on a busy machine says so.
 *
 * Linux only (/proc). The command's own stdout and stderr pass through.
 */
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');

const argv = process.argv.slice(2);
let out;
if (argv[0] === '--out') {
  out = argv[1];
  argv.splice(0, 2);
}
if (argv[0] === '--') argv.shift();
if (argv.length === 0) {
  console.error('usage: node scripts/measure.js [--out file.json] -- command [args…]');
  process.exit(2);
}

/** pid → { ppid, rss (bytes) } for every process now. */
function processes() {
  const table = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let status;
    try {
      status = fs.readFileSync(`/proc/${name}/status`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    table.set(Number(name), { ppid, rss: rssKb * 1024 });
  }
  return table;
}

/** Summed RSS and process count of `root` and its descendants. */
function treeRss(root) {
  const table = processes();
  const children = new Map();
  for (const [pid, { ppid }] of table) {
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(pid);
  }
  let rss = 0;
  let count = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop();
    const p = table.get(pid);
    if (p === undefined) continue;
    rss += p.rss;
    count++;
    stack.push(...(children.get(pid) ?? []));
  }
  return { rss, count };
}

const timeFile = `${os.tmpdir()}/rxfutures-measure-${process.pid}.time`;
const start = process.hrtime.bigint();
const loadStart = os.loadavg()[0];
const child = spawn('/usr/bin/time', ['-o', timeFile, '-f', '%U %S %M', ...argv], { stdio: 'inherit' });
let peak = { rss: 0, count: 0 };
let peakProcesses = 0;
const sampler = setInterval(() => {
  const now = treeRss(child.pid);
  if (now.rss > peak.rss) peak = now;
  peakProcesses = Math.max(peakProcesses, now.count);
}, 250);

child.on('exit', (code, signal) => {
  clearInterval(sampler);
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const [user, sys, maxRssKb] = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  fs.rmSync(timeFile, { force: true });
  const report = {
    command: argv.join(' '),
    exit: code ?? signal,
    wallSeconds: Math.round(wall * 10) / 10,
    cpuSeconds: Math.round((user + sys) * 10) / 10,
    userSeconds: user,
    sysSeconds: sys,
    peakTreeRssMB: Math.round(peak.rss / 2 ** 20),
    processesAtPeak: peak.count,
    maxProcesses: peakProcesses,
    largestProcessRssMB: Math.round(maxRssKb / 1024),
    load1AtStart: loadStart,
    load1AtEnd: os.loadavg()[0],
    cpus: os.cpus().length,
  };
  const text = JSON.stringify(report, null, 2);
  if (out) fs.writeFileSync(out, text + '\n');
  process.stderr.write(`\n[measure] ${text}\n`);
  process.exitCode = typeof code === 'number' ? code : 1;
});
