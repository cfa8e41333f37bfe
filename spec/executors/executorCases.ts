/**
 * The executors the shared suite runs against (CPython's
 * `create_executor_tests`): how to make each one, and what differs between
 * them, declared once instead of copied into forked tests.
 */
import path from 'node:path';
import { AsyncExecutor, ProcessPoolExecutor, ThreadPoolExecutor, taskModule, type Executor } from '../../lib';

export const fixture = path.join(__dirname, '../fixtures/executorTasks.ts');
export const tasks = taskModule<typeof import('../fixtures/executorTasks')>(fixture);

export interface ExecutorCase {
  name: string;
  make(options?: { maxWorkers?: number }): Executor;
  /** A self-contained function (no closure) runs: shipped by source to a thread, or simply called here. */
  inlineFunctions: boolean;
  /** A closure over outer variables runs (only on this event loop). */
  closures: boolean;
  /** Arguments and results cross a boundary: they are structured-cloned, and a function among them is a DataCloneError. */
  crossesBoundary: boolean;
  /** `cancel({ interrupt: true })` stops a task stuck in synchronous code (its thread or process is killed). */
  interruptsSyncCode: boolean;
  /** A worker that dies breaks the whole pool (BrokenProcessPool) instead of failing one future. */
  workerDeathBreaksPool: boolean;
}

export const executorCases: ExecutorCase[] = [
  {
    name: 'ThreadPoolExecutor',
    make: (options) => new ThreadPoolExecutor({ maxWorkers: 2, ...options }),
    inlineFunctions: true,
    closures: false,
    crossesBoundary: true,
    interruptsSyncCode: true,
    workerDeathBreaksPool: false,
  },
  {
    name: 'ProcessPoolExecutor',
    make: (options) => new ProcessPoolExecutor({ maxWorkers: 2, ...options }),
    inlineFunctions: false,
    closures: false,
    crossesBoundary: true,
    interruptsSyncCode: true,
    workerDeathBreaksPool: true,
  },
  {
    name: 'AsyncExecutor',
    make: (options) => new AsyncExecutor({ maxWorkers: 2, ...options }),
    inlineFunctions: true,
    closures: true,
    crossesBoundary: false,
    interruptsSyncCode: false,
    workerDeathBreaksPool: false,
  },
];

/** Collects an async iterable. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
