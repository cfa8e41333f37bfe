/**
 * ProcessPoolExecutor options: documented, defaulted and checked at the edge.
 */
import { availableParallelism } from 'node:os';
import type { Task } from '../Task';
import { entryFile } from '../internal/entryFile';
import { childExecArgv, entryReplacingOption } from './childExecArgv';
import { checkPositiveInteger, checkPositiveIntegerOrInfinity, describe } from '../internal/validate';

/** Options of `new ProcessPoolExecutor(options)`. */
export interface ProcessPoolExecutorOptions {
  /** Child processes at most; they are started on demand. @default os.availableParallelism() */
  maxWorkers?: number;
  /** A module task run once in every child before its first task; if it throws, the pool is broken (`BrokenProcessPool`). */
  initializer?: Task;
  /** Arguments of `initializer`. @default [] */
  initargs?: unknown[];
  /** A child is replaced after running this many calls (Python's `max_tasks_per_child`). @default Infinity */
  maxTasksPerChild?: number;
  /**
   * Node options of the children (`--max-old-space-size=512`, `--import tsx`, …). Options that would make
   * a child run something other than the child entry (`-e`, `-p`, `-i`, `--input-type`, `--test`,
   * `--watch`, `--check`, …) are refused with a TypeError.
   * @default the parent's `process.execArgv` filtered through an allowlist: loaders (`--require`,
   *   `--import`, `--loader`, `--conditions`), memory and stack limits, and diagnostics are kept;
   *   everything else (`-e <script>`, `-p`, `--inspect*`, `--test`, `--watch`, …) is dropped, so a
   *   pool made by `node -e` works (see docs/executors.md, "Command line of the children")
   */
  execArgv?: string[];
  /** Environment of the children. @default process.env */
  env?: NodeJS.ProcessEnv;
  /**
   * The child entry (`rxfutures/process-worker`) as an absolute path or a `file:` URL: for a bundled
   * app that emits it under a name or in a folder of its own (docs/bundling.md). A missing file makes
   * the first `submit` throw `BrokenProcessPool` naming it.
   * @default `rxfutures-process-worker.js` beside the bundle, else the package's own dist/cjs/rxfutures-process-worker.js
   */
  workerFilename?: string | URL;
  /**
   * How long (ms) an interrupted call may take to end after its `AbortSignal` aborted before its child
   * process is killed and replaced. A call that ends in time keeps its child (same pid next time).
   * @default 100
   */
  interruptGraceMs?: number;
}

/** Options after defaults and checks. @internal */
export interface FilledOptions {
  maxWorkers: number;
  initializer: Task | undefined;
  initargs: unknown[];
  maxTasksPerChild: number;
  execArgv: string[];
  env: NodeJS.ProcessEnv;
  /** The child entry's path, and the places looked at for it (for the error if it is missing). */
  workerFilename: string;
  workerSearched: string[];
  interruptGraceMs: number;
}

/** The default grace of an interrupted call (see ProcessPoolExecutorOptions.interruptGraceMs). */
export const kDefaultInterruptGraceMs = 100;

/** @throws TypeError / RangeError naming the option @internal */
export function fillOptions(options: ProcessPoolExecutorOptions | undefined): FilledOptions {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError(`ProcessPoolExecutor: options must be an object, got ${describe(options)}`);
  }
  const o = options ?? {};
  const maxWorkers = o.maxWorkers ?? availableParallelism();
  checkPositiveInteger(maxWorkers, 'options.maxWorkers');
  const initargs = o.initargs ?? [];
  if (!Array.isArray(initargs)) throw new TypeError(`options.initargs must be an array, got ${describe(initargs)}`);
  const maxTasksPerChild = o.maxTasksPerChild ?? Infinity;
  checkPositiveIntegerOrInfinity(maxTasksPerChild, 'options.maxTasksPerChild');
  const execArgv = o.execArgv ?? childExecArgv(process.execArgv);
  if (!Array.isArray(execArgv) || !execArgv.every((a) => typeof a === 'string')) {
    throw new TypeError(`options.execArgv must be an array of strings, got ${describe(execArgv)}`);
  }
  const replacing = entryReplacingOption(execArgv);
  if (replacing !== undefined) {
    throw new TypeError(`options.execArgv must not hold ${JSON.stringify(replacing)}: it would make the children run something other than the child entry`);
  }
  const env = o.env ?? process.env;
  if (env === null || typeof env !== 'object') throw new TypeError(`options.env must be an object, got ${describe(env)}`);
  const entry = entryFile(o.workerFilename, 'rxfutures-process-worker', 'rxfutures-process-worker.js');
  const interruptGraceMs = o.interruptGraceMs ?? kDefaultInterruptGraceMs;
  if (typeof interruptGraceMs !== 'number' || Number.isNaN(interruptGraceMs) || interruptGraceMs < 0) {
    throw new RangeError(`options.interruptGraceMs must be a number of milliseconds >= 0, got ${describe(interruptGraceMs)}`);
  }
  return {
    maxWorkers,
    initializer: o.initializer,
    initargs,
    maxTasksPerChild,
    execArgv,
    env,
    workerFilename: entry.file,
    workerSearched: entry.searched,
    interruptGraceMs,
  };
}
