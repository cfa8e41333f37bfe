/**
 * A Jest test environment that records what each spec file cost the Jest
 * worker process running it, for scripts/spec-cost.js (issue #17: the test
 * command's CPU budget). Not used by `npm test`.
 *
 * From the environment's setup (before the spec file is transformed and
 * loaded) to its teardown (after the file's last afterAll), it takes from
 * /proc/self/stat the CPU time of the process — every thread, so the pools'
 * worker threads count — plus that of the children it reaped (child
 * processes, redis-server, tsc, npm), and the process's peak RSS over the file
 * (the high-water mark is reset at setup through /proc/self/clear_refs). One
 * JSON line per file is appended to the file named by RXFUTURES_SPEC_COST.
 *
 * Linux only. Children not yet reaped at teardown count toward the next file.
 */
'use strict';
const fs = require('node:fs');
const { TestEnvironment } = require('jest-environment-node');

const kTicks = 100; // USER_HZ: clock ticks per second in /proc/<pid>/stat on Linux.

/** user, system, children's user and system CPU of this process, in seconds. */
function cpu() {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  // Fields after the parenthesised command name; utime is field 14, cstime field 17.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
  return { self: (utime + stime) / kTicks, children: (cutime + cstime) / kTicks };
}

function statusKb(name) {
  const match = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) : 0;
}

class SpecCostEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.testPath = context.testPath;
  }

  async setup() {
    try {
      fs.writeFileSync('/proc/self/clear_refs', '5'); // reset VmHWM
    } catch {
      // not permitted: the peak is then the process's since it started
    }
    this.start = { cpu: cpu(), wall: Date.now() };
    await super.setup();
  }

  async teardown() {
    await super.teardown();
    const end = cpu();
    const line = {
      file: this.testPath,
      pid: process.pid,
      wallSeconds: (Date.now() - this.start.wall) / 1000,
      cpuSeconds: end.self - this.start.cpu.self,
      childCpuSeconds: end.children - this.start.cpu.children,
      peakRssMB: Math.round(statusKb('VmHWM') / 1024),
      rssAfterMB: Math.round(statusKb('VmRSS') / 1024),
      threadsAfter: statusKb('Threads'),
    };
    const out = process.env.RXFUTURES_SPEC_COST;
    if (out) fs.appendFileSync(out, JSON.stringify(line) + '\n');
  }
}

module.exports = SpecCostEnvironment;
