/**
 * ProcessPoolExecutor options: documented, defaulted and checked at the edge.
 */
import { availableParallelism } from 'node:os';
import type { Task } from '../Task';
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
}

/** Options after defaults and checks. */
export interface FilledOptions {
  maxWorkers: number;
  initializer: Task | undefined;
  initargs: unknown[];
  maxTasksPerChild: number;
  execArgv: string[];
  env: NodeJS.ProcessEnv;
}

/** @throws TypeError / RangeError naming the option */
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
  return { maxWorkers, initializer: o.initializer, initargs, maxTasksPerChild, execArgv, env };
}
