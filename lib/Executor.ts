import type { Future } from './Future';
import type { Task } from './Task';

/** Options of {@link Executor.map}. */
export interface MapOptions {
  /** Milliseconds counted from the call to `map`; past it the iterator throws `TimeoutError`. */
  timeout?: number;
  /** Items sent per message (executors that cannot batch ignore it, as Python's thread pool does). @default 1 */
  chunksize?: number;
  /**
   * At most this many items are taken from `items` ahead of the consumer (Python 3.14). Without it every
   * item is taken at the call (an async iterable is read ahead to its end) and runs whether or not the
   * results are read; the pools submit them a window of calls at a time, as calls finish.
   * @default unbounded
   */
  buffersize?: number;
}

/** Options of {@link Executor.shutdown}. */
export interface ShutdownOptions {
  /** Resolve only once every running and pending task has ended and the workers are gone. @default true */
  wait?: boolean;
  /** Cancel the pending futures first. @default false */
  cancelFutures?: boolean;
}

/** What a task argument may be: a module {@link Task} or a self-contained function. */
export type TaskLike<A extends unknown[], R> = Task<A, R> | ((...args: A) => R);

/** What {@link Executor.stream} runs: a (sync or async) generator function or a Task naming one. */
export type StreamTaskLike<A extends unknown[], Y> =
  | Task<A, Iterable<Y> | AsyncIterable<Y>>
  | ((...args: A) => Iterable<Y> | AsyncIterable<Y>);

/**
 * The executor interface every rxfutures executor implements — Python's
 * `concurrent.futures.Executor` with Java's `ExecutorService` shutdown, and
 * a `stream` method for generator tasks. Every operator in `rxfutures`
 * works with any Executor.
 *
 * @example
 * ```ts
 * async function sumSquares(executor: Executor, xs: number[]) {
 *   let total = 0;
 *   for await (const y of executor.map((x: number) => x * x, xs)) total += y;
 *   return total;
 * }
 * ```
 */
export interface Executor {
  /** How many tasks run at once; operators size their default buffers from it. */
  readonly maxWorkers: number;

  /**
   * Schedules `task(...args)` and returns its Future.
   * @throws `ShutdownError` after `shutdown()`; a `BrokenExecutor` on a broken pool
   */
  submit<A extends unknown[], R>(task: TaskLike<A, R>, ...args: A): Future<Awaited<R>>;

  /**
   * Runs `task` over `items`; yields results in input order. A task's
   * exception is thrown at its position and cancels the rest; `break`
   * cancels the rest too.
   */
  map<T, R>(task: TaskLike<[T], R>, items: Iterable<T> | AsyncIterable<T>, options?: MapOptions): AsyncIterableIterator<Awaited<R>>;

  /**
   * Runs a generator task; yields every value it yields, as produced.
   * `return()` (or `break`) interrupts the task.
   */
  stream<A extends unknown[], Y>(task: StreamTaskLike<A, Y>, ...args: A): AsyncIterableIterator<Y>;

  /** Stops accepting work; see {@link ShutdownOptions}. Calling it twice is harmless. */
  shutdown(options?: ShutdownOptions): Promise<void>;

  /** `shutdown({ wait: true })`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}
