/**
 * Where the demo's time goes, in CPU rather than wall time (wall time is
 * meaningless on a shared machine; CPU per thread is not): the serial scan,
 * the walk alone, and the pool run, each with the CPU every thread of this
 * process spent and how long runnable threads waited for a core. Linux only
 * (reads /proc/self/task/<tid>/schedstat).
 *
 *   npx tsx demo/profile.ts [directory] [--workers N]
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defer, from, map } from 'rxjs';
import { ThreadPoolExecutor, mapUnordered$, taskModule } from 'rxfutures';
import { scanFile } from './scanTasks';
import { walk } from './walk';

const tasks = taskModule<typeof import('./scanTasks')>(path.join(__dirname, 'scanTasks.ts'));

/** Per thread id: [ns on a CPU, ns runnable but waiting for one]. */
function threadTimes(): Map<string, [number, number]> {
  const times = new Map<string, [number, number]>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const [run, wait] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      times.set(tid, [run, wait]);
    } catch {
      // the thread exited between the listing and the read
    }
  }
  return times;
}

function report(label: string, before: Map<string, [number, number]>, wallMs: number): void {
  const after = threadTimes();
  const ms = (ns: number): string => (ns / 1e6).toFixed(0);
  let total = 0;
  let waited = 0;
  const big: string[] = [];
  for (const [tid, [run, wait]] of after) {
    const [run0, wait0] = before.get(tid) ?? [0, 0];
    total += run - run0;
    waited += wait - wait0;
    if (run - run0 > 100e6) big.push(`${tid === String(process.pid) ? 'main' : `thread ${tid}`} ${ms(run - run0)}`);
  }
  console.log(`${label}: wall ${wallMs.toFixed(0)} ms, CPU ${ms(total)} ms (${big.join(', ')}), runnable but waiting for a core ${ms(waited)} ms`);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ strict: true, allowPositionals: true, options: { workers: { type: 'string' } } });
  const root = path.resolve(positionals[0] ?? path.join(__dirname, '..', 'node_modules'));
  const pattern = 'TODO';
  for await (const file of walk(root)) {
    try {
      readFileSync(file);
    } catch {
      // unreadable: skipped by every phase
    }
  }
  let before = threadTimes();
  let t0 = performance.now();
  for await (const file of walk(root)) {
    try {
      scanFile(file, pattern);
    } catch {
      // as above
    }
  }
  report('serial scan (walk + scan on the main thread)', before, performance.now() - t0);

  before = threadTimes();
  t0 = performance.now();
  for await (const file of walk(root)) void file;
  report('walk alone', before, performance.now() - t0);

  before = threadTimes();
  t0 = performance.now();
  const pool = new ThreadPoolExecutor(values.workers === undefined ? {} : { maxWorkers: Number(values.workers) });
  await new Promise<void>((resolve, reject) => {
    defer(() => from(walk(root)))
      .pipe(
        map((file): [string, string] => [file, pattern]),
        mapUnordered$(pool, tasks.scanEntry),
      )
      // eslint-disable-next-line rxjs-x/no-ignored-subscription -- it completes on its own; the promise waits for it
      .subscribe({ error: reject, complete: resolve });
  });
  // Before shutdown: the workers' threads still exist, so their CPU is counted.
  report(`pool run (${pool.maxWorkers} workers, start-up included; utilization ${pool.stats.utilization.toFixed(2)})`, before, performance.now() - t0);
  await pool.shutdown();
}

void main();
