/**
 * Where the demo's time goes, in CPU rather than wall time (wall time is
 * meaningless on a shared machine; CPU per thread is not): the serial scan,
 * the walk alone, the pool run, and a raw floor — the same walk feeding
 * two bare `worker_threads` hand batches of 32 paths, the least any pool can
 * cost — each with the CPU every thread of this process spent and how long
 * runnable threads waited for a core. Linux only (reads
 * /proc/self/task/<tid>/schedstat).
 *
 *   npx tsx demo/profile.ts [directory] [--workers N]
 */
import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';
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

  // The floor first: threads that exited leave warm allocator arenas behind, and this way any such
  // head start goes to the pool, not to the floor it is compared with.
  before = threadTimes();
  t0 = performance.now();
  const workers = await rawFloor(root, pattern, values.workers === undefined ? availableParallelism() : Number(values.workers));
  report(`raw floor (${workers.length} bare worker_threads, batches of ${kFloorBatch}, start-up included)`, before, performance.now() - t0);
  await Promise.all(workers.map((w) => w.terminate()));

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

const kFloorBatch = 32;

// What a floor worker runs: the task module's code (transpiled here once, so no loader costs
// anything in the workers), then a loop that scans each batch it is sent and posts the results.
const kFloorWorker = `
const { parentPort, workerData } = require('node:worker_threads');
const m = { exports: {} };
new Function('module', 'exports', 'require', workerData.code)(m, m.exports, require);
parentPort.on('message', (files) => parentPort.postMessage(files.map((file) => {
  try { return m.exports.scanFile(file, workerData.pattern); } catch { return null; }
})));`;

/**
 * The hand-written floor: the walk posts batches of kFloorBatch paths round-robin to bare workers as
 * it finds them (no queue, no futures, no cancelling) and counts the answers.
 * @returns the workers, still alive so that their CPU is counted
 */
async function rawFloor(root: string, pattern: string, count: number): Promise<Worker[]> {
  const source = readFileSync(path.join(__dirname, 'scanTasks.ts'), 'utf8');
  const code = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const workers = Array.from({ length: count }, () => new Worker(kFloorWorker, { eval: true, workerData: { code, pattern } }));
  let sent = 0;
  let answered = 0;
  let walked = false;
  let batch: string[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  for (const w of workers) {
    w.on('message', () => {
      answered += 1;
      if (walked && answered === sent) done();
    });
  }
  const post = (): void => {
    workers[sent % count].postMessage(batch);
    sent += 1;
    batch = [];
  };
  for await (const file of walk(root)) {
    batch.push(file);
    if (batch.length === kFloorBatch) post();
  }
  if (batch.length > 0) post();
  walked = true;
  if (answered === sent) done();
  await finished;
  return workers;
}

void main();
