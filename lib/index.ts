/**
 * rxfutures — Python's `concurrent.futures` for Node.js, as RxJS operators,
 * on the Piscina worker-thread pool.
 *
 * @example
 * ```ts
 * import { ThreadPoolExecutor, mapOrdered$ } from 'rxfutures';
 * import { from } from 'rxjs';
 * const pool = new ThreadPoolExecutor();
 * from([1, 2, 3]).pipe(mapOrdered$(pool, (n: number) => n * n)).subscribe(console.log);
 * ```
 * @module rxfutures
 */
export {
  CancelledError,
  TimeoutError,
  InvalidStateError,
  ShutdownError,
  DataCloneError,
  BrokenExecutor,
  BrokenThreadPool,
  BrokenProcessPool,
  WorkerExitError,
} from './errors';
export { Future, type FutureState, type CancelOptions } from './Future';
export { wait, FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED, type ReturnWhen, type WaitOptions, type DoneAndNotDone } from './wait';
export { asCompleted, type AsCompletedOptions } from './asCompleted';
export type { Executor, MapOptions, ShutdownOptions, TaskLike, StreamTaskLike } from './Executor';
export { task, taskModule, type Task, type TaskModule } from './Task';
export { transfer, type Transferable } from './transfer';
export { ThreadPoolExecutor } from './threadPool/ThreadPoolExecutor';
export type { ThreadPoolExecutorOptions } from './threadPool/options';
export type { ThreadPoolStats } from './threadPool/WorkerPool';
export { currentThreadName } from './threadPool/currentThreadName';
export * from './rx';
export { ProcessPoolExecutor } from './processPool/ProcessPoolExecutor';
export type { ProcessPoolExecutorOptions } from './processPool/options';
export { AsyncExecutor } from './asyncExecutor/AsyncExecutor';
export type { AsyncExecutorOptions } from './asyncExecutor/options';
export { currentAbortSignal } from './interrupt/currentAbortSignal';
export { throwIfInterrupted } from './interrupt/throwIfInterrupted';
export { QueueExecutor } from './queue/QueueExecutor';
export { startQueueWorker, type QueueWorker } from './queue/startQueueWorker';
export { BrokenQueue, PayloadTooLargeError, TaskNotAllowedError } from './queue/errors';
export type { QueueExecutorOptions, QueueWorkerOptions, QueueConnection } from './queue/options';
export type { QueueTaskEntry } from './queue/TaskAllowlist';
