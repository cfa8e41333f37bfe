/**
 * rxfutures demo: search a directory tree for a pattern, hashing and scanning
 * every file on worker threads through an RxJS pipeline (`mapUnordered$`),
 * with live progress — then the same job serially on the main thread, for
 * the wall-time comparison. Ctrl-C unsubscribes: running scans are
 * interrupted and the pool shuts down.
 *
 *   npm run demo -- [directory] [pattern] [--no-serial]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
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
interrupted and the pool shuts down.`;

interface Totals {
  files: number;
  bytes: number;
  matches: number;
  top: FileScan[];
}

function parseArgs(argv: string[]): { root: string; pattern: string; serial: boolean } | undefined {
  if (argv.includes('--help') || argv.includes('-h')) return undefined;
  const positional = argv.filter((a) => !a.startsWith('--'));
  const root = path.resolve(positional[0] ?? path.join(__dirname, '..', 'node_modules'));
  const pattern = positional[1] ?? 'TODO';
  new RegExp(pattern); // a bad pattern fails here, with the RegExp's own message
  return { root, pattern, serial: !argv.includes('--no-serial') };
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

function parallel(root: string, pattern: string): Promise<{ totals: Totals; ms: number }> {
  const pool = new ThreadPoolExecutor();
  const progress = new Progress();
  const totals: Totals = { files: 0, bytes: 0, matches: 0, top: [] };
  const startedAt = Date.now();
  let found = 0;
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
          addScan(totals, scan);
          progress.update(totals.files, found, totals.bytes, startedAt);
        },
        error: (err: unknown) => {
          progress.end();
          void pool.shutdown().finally(() => reject(err));
        },
        complete: () => {
          progress.end();
          const ms = Date.now() - startedAt;
          void pool.shutdown().then(() => resolve({ totals, ms }));
        },
      });

    // Ctrl-C: unsubscribing cancels the queued scans and interrupts the running ones.
    process.once('SIGINT', () => {
      const t0 = Date.now();
      subscription.unsubscribe();
      progress.end();
      void pool.shutdown({ cancelFutures: true }).then(() => {
        console.log(`interrupted after ${totals.files} files: workers stopped and pool shut down in ${Date.now() - t0} ms`);
        process.exit(130);
      });
    });
  });
}

async function serial(root: string, pattern: string): Promise<number> {
  const t0 = Date.now();
  for await (const file of walk(root)) {
    try {
      scanFile(file, pattern);
    } catch {
      // unreadable files are skipped in both runs
    }
  }
  return Date.now() - t0;
}

/** Reads every file once, untimed, so that neither timed run pays for the disk and the other for the cache. */
async function warmPageCache(root: string): Promise<void> {
  for await (const file of walk(root)) {
    try {
      readFileSync(file);
    } catch {
      // unreadable: skipped by both runs too
    }
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args === undefined) {
    console.log(kHelp);
    return;
  }
  if (args.serial) await warmPageCache(args.root);
  const { totals, ms } = await parallel(args.root, args.pattern);
  console.log(`\n${totals.files} files, ${(totals.bytes / 2 ** 20).toFixed(1)} MiB, ${totals.matches} matching lines`);
  for (const scan of totals.top) {
    console.log(`  ${path.relative(args.root, scan.path)} (${scan.matches}) sha256 ${scan.sha256.slice(0, 12)}…`);
    for (const hit of scan.hits) console.log(`      ${hit}`);
  }
  console.log(`\nworker threads: ${(ms / 1000).toFixed(2)} s`);
  if (args.serial) {
    const serialMs = await serial(args.root, args.pattern);
    console.log(`main thread, serially: ${(serialMs / 1000).toFixed(2)} s  →  ${(serialMs / ms).toFixed(2)}× with the pool`);
  }
}

main().catch((err: unknown) => {
  console.error(`demo failed: ${(err as Error)?.message ?? err}`);
  process.exit(1);
});
