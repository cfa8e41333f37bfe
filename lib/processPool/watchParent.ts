/**
 * Child side: kills this child when its parent is gone. The IPC channel's
 * `disconnect` event covers an idle child; a task that keeps the event loop
 * busy (a synchronous loop) never sees that event, so a small thread watches
 * for the parent's death and kills the process, even mid-task. A crashed
 * parent therefore leaves no orphan spinning on a CPU.
 */
import { Worker } from 'node:worker_threads';

// Runs in the watchdog thread. On Linux the live parent id is read from
// /proc (a re-parented child gets a new one); elsewhere, signal 0 tells
// whether the parent still exists.
const kWatchdog = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { parent, intervalMs } = workerData;
function parentGone() {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== parent;
  } catch {
    try { process.kill(parent, 0); return false; } catch (err) { return err.code === 'ESRCH'; }
  }
}
setInterval(() => { if (parentGone()) process.kill(process.pid, 'SIGKILL'); }, intervalMs);
`;

/** Starts the watchdog; it never keeps the child alive and never crashes it. */
export function watchParent(intervalMs = 250): void {
  try {
    const worker = new Worker(kWatchdog, { eval: true, workerData: { parent: process.ppid, intervalMs }, stdout: true, stderr: true });
    worker.on('error', () => undefined);
    worker.unref();
  } catch {
    // Without the watchdog, the disconnect event still covers idle children.
  }
}
