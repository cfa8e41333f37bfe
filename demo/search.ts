/**
 * rxfutures demo: search a directory tree for a pattern, hashing and scanning
 * every file on worker threads through an RxJS pipeline (`mapUnordered$`),
 * with live progress — then the same job serially on the main thread, for
 * the wall-time comparison. Ctrl-C unsubscribes: running scans are
 * interrupted and the pool shuts down.
 *
 *   npm run demo -- [directory] [pattern] [--no-serial]
 */
import { readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { defer, from, map, tap } from 'rxjs';
import { ThreadPoolExecutor, mapUnordered$, taskModule } from 'rxfutures';
import { Progress } from './progress';
import { scanFile, type FileScan } from './scanTasks';
import { walk } from './walk';

const tasks = taskModule<typeof import('./scanTasks')>(path.join(__dirname, 'scanTasks.ts'));

const kHelp = `usage: npm run demo -- [directory] [pattern] [--no-serial]

Searches every file under <directory> (default: this project's node_modules)
for lines matching <pattern> (a case-insensitive regular expression, default
"TODO"), hashing each file with sha256 — on worker threads, as an RxJS
pipeline with mapUnordered$ — then does the same serially on the main thread
and compares the wall times. Ctrl-C stops the scan: running tasks are
interrupted and the pool shuts down.

  --no-serial   skip the cache warm-up and the serial run
  -h, --help    this text`;

/** A command-line mistake: reported in one line, exit code 1. */
class UsageError extends Error {}

interface Totals {
  files: number;
  bytes: number;
  matches: number;
  top: FileScan[];
}

interface Args {
  root: string;
  pattern: string;
  serial: boolean;
}

/** @returns the arguments, or undefined for --help; @throws UsageError */
function readArgs(argv: string[]): Args | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: { help: { type: 'boolean', short: 'h' }, 'no-serial': { type: 'boolean' } },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message} (see --help)`);
  }
  if (parsed.values.help === true) return undefined;
  if (parsed.positionals.length > 2) {
    throw new UsageError(`expected at most a directory and a pattern, got ${parsed.positionals.length} arguments (see --help)`);
  }
  const root = path.resolve(parsed.positionals[0] ?? path.join(__dirname, '..', 'node_modules'));
  let stat;
  try {
    stat = statSync(root);
  } catch {
    throw new UsageError(`no such directory: ${root}`);
  }
  if (!stat.isDirectory()) throw new UsageError(`not a directory: ${root}`);
  const pattern = parsed.positionals[1] ?? 'TODO';
  try {
    new RegExp(pattern);
  } catch (err) {
    throw new UsageError(`bad pattern: ${(err as Error).message}`);
  }
  return { root, pattern, serial: parsed.values['no-serial'] !== true };
}

function addScan(totals: Totals, scan: FileScan): void {
  totals.files += 1;
  totals.bytes += scan.bytes;
  totals.matches += scan.matches;
  if (scan.matches > 0) {
    totals.top.push(scan);
    totals.top.sort((a, b) => b.matches - a.matches);
    totals.top.length = Math.min(totals.top.length, 5);
  }
}

/** What the pool run measured, for the closing lines. */
interface PoolRun {
  totals: Totals;
  ms: number;
  workers: number;
  /** Milliseconds from creating the pool to the first result (starting the workers, loading the task). */
  firstResultMs: number;
  /** Share of the run the workers spent in the task (the pool's utilization). */
  workerBusy: number;
  /** Share of the run the main thread's event loop was busy (walking, dispatching, drawing). */
  mainBusy: number;
  /** CPU time of the whole process (every thread: main, workers, V8's and libuv's helpers), ms. */
  cpuMs: number;
}

/** CPU time this process has used so far on all its threads, ms. */
function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function parallel(root: string, pattern: string): Promise<PoolRun> {
  const startedAt = Date.now();
  const cpu0 = processCpuMs();
  const elu0 = performance.eventLoopUtilization();
  const pool = new ThreadPoolExecutor();
  const progress = new Progress();
  const totals: Totals = { files: 0, bytes: 0, matches: 0, top: [] };
  let found = 0;
  let firstResultMs = 0;
  console.log(`scanning ${root} for /${pattern}/i on ${pool.maxWorkers} worker threads`);
  return new Promise((resolve, reject) => {
    const subscription = defer(() => from(walk(root)))
      .pipe(
        tap(() => (found += 1)),
        map((file): [string, string] => [file, pattern]),
        mapUnordered$(pool, tasks.scanEntry),
      )
      .subscribe({
        next: (scan) => {
          if (totals.files === 0) firstResultMs = Date.now() - startedAt;
          addScan(totals, scan);
          progress.update(totals.files, found, totals.bytes, startedAt);
        },
        error: (err: unknown) => {
          process.off('SIGINT', onSigint);
          progress.end();
          void pool.shutdown().finally(() => reject(err));
        },
        complete: () => {
          process.off('SIGINT', onSigint);
          progress.end();
          const ms = Date.now() - startedAt;
          const workerBusy = pool.stats.utilization;
          const mainBusy = performance.eventLoopUtilization(elu0).utilization;
          const cpuMs = processCpuMs() - cpu0;
          void pool.shutdown().then(() => resolve({ totals, ms, workers: pool.maxWorkers, firstResultMs, workerBusy, mainBusy, cpuMs }));
        },
      });

    // Ctrl-C: unsubscribing cancels the queued scans and interrupts the running ones.
    const onSigint = (): void => {
      const t0 = Date.now();
      subscription.unsubscribe();
      progress.end();
      void pool.shutdown({ cancelFutures: true }).then(() => {
        console.log(`interrupted after ${totals.files} files: workers stopped and pool shut down in ${Date.now() - t0} ms`);
        process.exit(130);
      });
    };
    process.once('SIGINT', onSigint);
  });
}

/** The same job on the main thread alone. Ctrl-C stops it between files and says so. */
async function serial(root: string, pattern: string, expected: number): Promise<{ ms: number; cpuMs: number }> {
  const t0 = Date.now();
  const cpu0 = processCpuMs();
  let done = 0;
  let stop = false;
  const onSigint = (): void => {
    stop = true;
  };
  process.once('SIGINT', onSigint);
  try {
    for await (const file of walk(root)) {
      if (stop) {
        console.log(
          `\ninterrupted the serial run (the same scan on the main thread alone) after ${done} of ${expected} files, ` +
            `${((Date.now() - t0) / 1000).toFixed(2)} s: no ratio; the worker-thread figure above stands`,
        );
        process.exit(130);
      }
      try {
        scanFile(file, pattern);
      } catch {
        // unreadable files are skipped in both runs
      }
      done += 1;
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  return { ms: Date.now() - t0, cpuMs: processCpuMs() - cpu0 };
}

/** Reads every file once, untimed, so that neither timed run pays for the disk and the other for the cache. */
async function warmPageCache(root: string): Promise<void> {
  console.log(`warming the page cache: reading every file under ${root} once, untimed, so both timed runs read from memory…`);
  const t0 = Date.now();
  let files = 0;
  let bytes = 0;
  for await (const file of walk(root)) {
    try {
      bytes += readFileSync(file).length;
      files += 1;
    } catch {
      // unreadable: skipped by both runs too
    }
  }
  console.log(`  read ${files} files, ${(bytes / 2 ** 20).toFixed(1)} MiB in ${((Date.now() - t0) / 1000).toFixed(2)} s\n`);
}

const percent = (share: number): string => `${Math.round(share * 100)}%`;

async function main(): Promise<void> {
  const args = readArgs(process.argv.slice(2));
  if (args === undefined) {
    console.log(kHelp);
    return;
  }
  if (args.serial) await warmPageCache(args.root);
  const run = await parallel(args.root, args.pattern);
  const { totals, ms } = run;
  console.log(`\n${totals.files} files, ${(totals.bytes / 2 ** 20).toFixed(1)} MiB, ${totals.matches} matching lines`);
  for (const scan of totals.top) {
    console.log(`  ${path.relative(args.root, scan.path)} (${scan.matches}) sha256 ${scan.sha256.slice(0, 12)}…`);
    for (const hit of scan.hits) console.log(`      ${hit}`);
  }
  console.log(`\nworker threads: ${(ms / 1000).toFixed(2)} s`);
  if (!args.serial) return;
  const serialRun = await serial(args.root, args.pattern, totals.files);
  const serialMs = serialRun.ms;
  const ratio = serialMs / ms;
  const cores = availableParallelism();
  // With every core busy, wall time is about CPU time / cores: the pool can beat serial by at most
  // cores × serial CPU / pool CPU. Saying so explains a ratio below what the worker count suggests.
  const bound = (Math.min(cores, run.workers + 1) * serialRun.cpuMs) / run.cpuMs;
  console.log(`main thread, serially: ${(serialMs / 1000).toFixed(2)} s  →  ${ratio.toFixed(2)}× with the pool`);
  console.log(
    `  ${ratio.toFixed(2)}× = serial time / pool time, same ${totals.files} files, both from a warm page cache. ` +
      `The pool ran ${run.workers} worker threads on ${availableParallelism()} cores, sharing them with the main thread, ` +
      `which walked the tree, sent each file to the pool, took each result and drew the progress bar ` +
      `(its event loop busy ${percent(run.mainBusy)} of the run); the workers spent ${percent(run.workerBusy)} of their time scanning ` +
      `and the first result came ${run.firstResultMs} ms after the pool was created (starting the workers and loading the task). ` +
      `The serial run walked and scanned on the main thread alone.`,
  );
  console.log(
    `  CPU time on all threads: the pool run ${(run.cpuMs / 1000).toFixed(2)} s, the serial run ${(serialRun.cpuMs / 1000).toFixed(2)} s — ` +
      `every worker starts a JavaScript engine of its own and warms it up, and each file and result is copied between threads. ` +
      `With ${Math.min(cores, run.workers + 1)} cores to share that work, the best ratio the pool could reach here is about ` +
      `${Math.min(cores, run.workers + 1)} × ${(serialRun.cpuMs / 1000).toFixed(2)} / ${(run.cpuMs / 1000).toFixed(2)} = ${bound.toFixed(2)}×.`,
  );
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) console.error(`demo: ${err.message}`);
  else console.error(`demo failed: ${(err as Error)?.message ?? err}`);
  process.exit(1);
});
