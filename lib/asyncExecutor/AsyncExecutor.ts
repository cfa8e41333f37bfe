import type { Executor, MapOptions, ShutdownOptions, StreamTaskLike, TaskLike } from '../Executor';
import { Future } from '../Future';
import { orderedMap } from '../internal/orderedMap';
import { checkSchedulable } from '../internal/checkSchedulable';
import { checkShutdownOptions } from '../internal/validate';
import type { Task } from '../Task';
import { checkTask, loadInProcess } from '../internal/inProcess';
import { isTransferred } from '../transfer';
import { EventLoopQueue } from './EventLoopQueue';
import { fillOptions, type AsyncExecutorOptions } from './options';
import { streamInProcess } from './streamInProcess';

type Callable = (...args: unknown[]) => unknown;

/**
 * Runs async functions on this event loop, at most `maxWorkers` at once, in
 * FIFO order: for I/O-bound work (HTTP calls, queries, file reads), the
 * use case of Python's `ThreadPoolExecutor`. Nothing is cloned and any
 * function runs, closures included; module Tasks work too (loaded here).
 *
 * Futures behave as on the other executors. `cancel({ interrupt: true })`
 * cancels a running future at once and fires the task's AbortSignal, which
 * the task reads with {@link currentAbortSignal} (or gets as its own
 * argument if you pass one). A synchronous, CPU-bound task blocks the event
 * loop and cannot be interrupted: use ThreadPoolExecutor for those.
 *
 * @example
 * ```ts
 * import { AsyncExecutor, currentAbortSignal, mapUnordered$ } from 'rxfutures';
 * import { from } from 'rxjs';
 * await using io = new AsyncExecutor({ maxWorkers: 8 }); // 8 requests in flight at most
 * from(urls)
 *   .pipe(mapUnordered$(io, async (url: string) => (await fetch(url, { signal: currentAbortSignal() })).status))
 *   .subscribe(console.log);
 * ```
 * @see ThreadPoolExecutor
 * @see ProcessPoolExecutor
 * @see currentAbortSignal
 */
export class AsyncExecutor implements Executor {
  readonly #maxWorkers: number;
  readonly #queue: EventLoopQueue;
  // Set by shutdown(): the promise of every task having ended.
  #closed: Promise<void> | undefined;

  /**
   * @param options - see {@link AsyncExecutorOptions}
   * @throws `RangeError` for a `maxWorkers` that is not a positive integer; `TypeError` for options of the wrong type
   */
  constructor(options?: AsyncExecutorOptions) {
    this.#maxWorkers = fillOptions(options).maxWorkers;
    this.#queue = new EventLoopQueue(this.#maxWorkers);
  }

  /** How many tasks run at once, at most. */
  get maxWorkers(): number {
    return this.#maxWorkers;
  }

  /**
   * Queued and running task counts.
   *
   * @example
   * ```ts
   * const { queued, running } = io.stats;
   * ```
   */
  get stats(): { queued: number; running: number } {
    return { queued: this.#queue.queued, running: this.#queue.active };
  }

  /**
   * Schedules `task(...args)`; it starts once fewer than `maxWorkers` tasks
   * run (never inside this call).
   *
   * @example
   * ```ts
   * const f = io.submit(async (id: number) => db.get(id), 42);
   * await f;
   * ```
   * @param task - any function (closures too), or a module Task
   * @param args - its arguments, passed as they are
   * @returns the task's Future
   * @throws `ShutdownError` after `shutdown()` or once the process is exiting; `TypeError` for something that is neither a function nor a Task
   */
  submit<A extends unknown[], R>(task: TaskLike<A, R>, ...args: A): Future<Awaited<R>> {
    this.#checkOpen('submit');
    checkTask(task, 'submit: task');
    const future = new Future<Awaited<R>>();
    const values = unwrapTransfers(args);
    this.#queue.enqueue({ future: future as Future<unknown>, call: () => load(task)(...values) });
    return future;
  }

  /**
   * Runs `task` over `items`, at most `maxWorkers` at once, and yields the
   * results in input order. `chunksize` is ignored (nothing is sent anywhere).
   *
   * @example
   * ```ts
   * for await (const page of io.map(fetchPage, pageNumbers, { buffersize: 16 })) render(page);
   * ```
   * @param task - a one-argument function or module Task
   * @param items - a (possibly endless, possibly async) iterable
   * @param options - `timeout` (ms from this call), `buffersize` (items taken ahead of the consumer)
   * @returns an async iterator of results; `break` cancels what is left
   * @throws `ShutdownError` after shutdown or once the process is exiting
   */
  map<T, R>(task: TaskLike<[T], R>, items: Iterable<T> | AsyncIterable<T>, options?: MapOptions): AsyncIterableIterator<Awaited<R>> {
    this.#checkOpen('map');
    checkTask(task, 'map: task');
    return orderedMap<T, Awaited<R>>('map', (chunk) => chunk.map((x) => this.submit(task, x)), items, options);
  }

  /**
   * Runs a (sync or async) generator function here, as one of the
   * `maxWorkers` tasks, and yields what it yields; it advances only as the
   * consumer pulls. `return()` (or `break`) fires its AbortSignal and closes it.
   *
   * @example
   * ```ts
   * for await (const row of io.stream(async function* () { yield* db.cursor('select …'); })) use(row);
   * ```
   * @param task - a generator function, or a Task naming one
   * @param args - its arguments
   * @returns an async iterator of the yielded values
   * @throws `ShutdownError` after shutdown or once the process is exiting
   */
  stream<A extends unknown[], Y>(task: StreamTaskLike<A, Y>, ...args: A): AsyncIterableIterator<Y> {
    this.#checkOpen('stream');
    checkTask(task, 'stream: task');
    const values = unwrapTransfers(args);
    return streamInProcess<Y>(this.#queue, () => load(task as Task | Callable)(...values));
  }

  /**
   * Stops accepting work. `submit` throws `ShutdownError` from this call on.
   * With `wait: true` (the default) resolves once every running and pending
   * task has ended; with `wait: false` resolves at once while the work still
   * finishes. `cancelFutures: true` cancels the pending futures first.
   * Calling it twice is harmless.
   *
   * @example
   * ```ts
   * await io.shutdown({ cancelFutures: true });
   * ```
   * @param options - `{ wait = true, cancelFutures = false }`
   * @returns a promise; rejects with `TypeError` for options of the wrong type
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    let wait: boolean;
    let cancelFutures: boolean;
    try {
      ({ wait, cancelFutures } = checkShutdownOptions(options));
    } catch (err) {
      return Promise.reject(err);
    }
    if (cancelFutures) this.#queue.cancelPending();
    this.#closed ??= this.#queue.whenIdle();
    return wait ? this.#closed : Promise.resolve();
  }

  /**
   * `shutdown({ wait: true })`, so `await using io = new AsyncExecutor()` cleans up.
   *
   * @example
   * ```ts
   * { await using io = new AsyncExecutor(); await io.submit(fetchAll); } // every task ended here
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown({ wait: true });
  }

  #checkOpen(method: string): void {
    checkSchedulable(method, this.#closed !== undefined);
  }
}

/** The function a task names; a module that fails to load fails the call, as on the pools. */
function load(task: unknown): Callable {
  return loadInProcess(task as Task | Callable);
}

/** In-process, `transfer()` markers are just their values. */
function unwrapTransfers(args: unknown[]): unknown[] {
  return args.some(isTransferred) ? args.map((a) => (isTransferred(a) ? a.value : a)) : args;
}
