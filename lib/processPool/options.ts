/**
 * ProcessPoolExecutor options: documented, defaulted and checked at the edge.
 */
import { availableParallelism } from 'node:os';
import type { Task } from '../Task';
import { entryFile } from '../internal/entryFile';
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
   * Node options of the children (`--max-old-space-size=512`, `--import tsx`, …).
   * @default process.execArgv without debugger flags (`--inspect*`), so children do not fight over the debug port
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
}

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
  const execArgv = o.execArgv ?? process.execArgv.filter((arg) => !/^--(inspect|debug)/.test(arg));
  if (!Array.isArray(execArgv) || !execArgv.every((a) => typeof a === 'string')) {
    throw new TypeError(`options.execArgv must be an array of strings, got ${describe(execArgv)}`);
  }
  const env = o.env ?? process.env;
  if (env === null || typeof env !== 'object') throw new TypeError(`options.env must be an object, got ${describe(env)}`);
  const entry = entryFile(o.workerFilename, 'rxfutures-process-worker', 'rxfutures-process-worker.js');
  return { maxWorkers, initializer: o.initializer, initargs, maxTasksPerChild, execArgv, env, workerFilename: entry.file, workerSearched: entry.searched };
}
