/**
 * ThreadPoolExecutor options: documented, defaulted and checked at the edge.
 */
import { availableParallelism } from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';
import type { TaskLike } from '../Executor';
import { entryFile } from '../internal/entryFile';
import { kMaxErrorBytes } from '../internal/symbols';
import { checkPositiveInteger, checkPositiveIntegerOrInfinity, describe } from '../internal/validate';

/** Options of `new ThreadPoolExecutor(options)`. */
export interface ThreadPoolExecutorOptions {
  /** Worker threads at most. @default os.availableParallelism() */
  maxWorkers?: number;
  /** Prefix of the worker names seen by `currentThreadName()` inside tasks. @default 'ThreadPoolExecutor' */
  threadNamePrefix?: string;
  /** Runs once in every worker before its first task; if it throws, the pool is broken (`BrokenThreadPool`). */
  initializer?: TaskLike<any[], unknown>;
  /** Arguments of `initializer`. @default [] */
  initargs?: unknown[];
  /** A worker is replaced after running this many tasks. @default Infinity */
  maxTasksPerChild?: number;
  /** Milliseconds an idle worker lives before it exits. @default Infinity */
  idleTimeout?: number;
  /** V8 limits for each worker (`maxOldGenerationSizeMb`, …); exceeding them fails the task with `WorkerExitError`. */
  resourceLimits?: ResourceLimits;
  /** Pending tasks at most; `submit` beyond it throws `RangeError`. @default Infinity */
  maxQueue?: number;
  /**
   * The worker entry (`rxfutures/worker`) as an absolute path or a `file:` URL: for a bundled app
   * that emits it under a name or in a folder of its own (docs/bundling.md). A missing file makes
   * the first `submit` throw `BrokenThreadPool` naming it.
   * @default `rxfutures-worker.js` beside the bundle, else the package's own dist/cjs/rxfutures-worker.js
   */
  workerFilename?: string | URL;
  /**
   * Milliseconds an interrupted call (`cancel({ interrupt: true })`) has to
   * end after its `AbortSignal` aborts; one that ends in time keeps its
   * worker, one that does not is terminated and replaced. `0` terminates at
   * once; `Infinity` never does. The default, 100 ms, is long enough for a
   * task that polls `throwIfInterrupted()` or awaits with the signal to
   * clean up (close a file, release a lock), and short next to what a stuck
   * worker costs the calls queued behind it; a restart costs ~30-60 ms.
   * @default 100
   */
  interruptGraceMs?: number;
}

/** How long an interrupted call may take to end before its worker is terminated (see interruptGraceMs). */
export const kDefaultInterruptGraceMs = 100;

/**
 * The options with the internal ones (lib/internal/symbols.ts): what
 * rxfutures' own callers may pass. @internal
 */
export interface InternalThreadPoolOptions extends ThreadPoolExecutorOptions {
  /** Cut a task's exception to this many serialised bytes in the worker, before it is posted (see kMaxErrorBytes). */
  [kMaxErrorBytes]?: number;
}

/** Options after defaults and checks. @internal */
export interface FilledOptions {
  maxWorkers: number;
  threadNamePrefix: string;
  initializer: TaskLike<any[], unknown> | undefined;
  initargs: unknown[];
  maxTasksPerChild: number;
  idleTimeout: number;
  resourceLimits: ResourceLimits | undefined;
  maxQueue: number;
  /** The worker entry's path, and the places looked at for it (for the error if it is missing). */
  workerFilename: string;
  workerSearched: string[];
  interruptGraceMs: number;
  /** See {@link InternalThreadPoolOptions}; undefined: exceptions cross whole. */
  maxErrorBytes: number | undefined;
}

/** @throws TypeError / RangeError naming the option @internal */
export function fillOptions(options: ThreadPoolExecutorOptions | undefined): FilledOptions {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError(`ThreadPoolExecutor: options must be an object, got ${describe(options)}`);
  }
  const o = options ?? {};
  const maxWorkers = o.maxWorkers ?? availableParallelism();
  checkPositiveInteger(maxWorkers, 'options.maxWorkers');
  const threadNamePrefix = o.threadNamePrefix ?? 'ThreadPoolExecutor';
  if (typeof threadNamePrefix !== 'string') {
    throw new TypeError(`options.threadNamePrefix must be a string, got ${describe(threadNamePrefix)}`);
  }
  const initargs = o.initargs ?? [];
  if (!Array.isArray(initargs)) throw new TypeError(`options.initargs must be an array, got ${describe(initargs)}`);
  const maxTasksPerChild = o.maxTasksPerChild ?? Infinity;
  checkPositiveIntegerOrInfinity(maxTasksPerChild, 'options.maxTasksPerChild');
  const idleTimeout = o.idleTimeout ?? Infinity;
  if (typeof idleTimeout !== 'number' || Number.isNaN(idleTimeout) || idleTimeout < 0) {
    throw new RangeError(`options.idleTimeout must be a number of milliseconds >= 0, got ${describe(idleTimeout)}`);
  }
  const interruptGraceMs = o.interruptGraceMs ?? kDefaultInterruptGraceMs;
  if (typeof interruptGraceMs !== 'number' || Number.isNaN(interruptGraceMs) || interruptGraceMs < 0) {
    throw new RangeError(`options.interruptGraceMs must be a number of milliseconds >= 0 (or Infinity), got ${describe(interruptGraceMs)}`);
  }
  const maxQueue = o.maxQueue ?? Infinity;
  checkPositiveIntegerOrInfinity(maxQueue, 'options.maxQueue');
  if (o.resourceLimits !== undefined && (o.resourceLimits === null || typeof o.resourceLimits !== 'object')) {
    throw new TypeError(`options.resourceLimits must be an object, got ${describe(o.resourceLimits)}`);
  }
  const maxErrorBytes = (o as InternalThreadPoolOptions)[kMaxErrorBytes];
  if (maxErrorBytes !== undefined) checkPositiveInteger(maxErrorBytes, 'options[kMaxErrorBytes]');
  const entry = entryFile(o.workerFilename, 'rxfutures-worker', 'rxfutures-worker.js');
  return {
    maxWorkers,
    threadNamePrefix,
    initializer: o.initializer,
    initargs,
    maxTasksPerChild,
    idleTimeout,
    resourceLimits: o.resourceLimits,
    maxQueue,
    workerFilename: entry.file,
    workerSearched: entry.searched,
    interruptGraceMs,
    maxErrorBytes,
  };
}
