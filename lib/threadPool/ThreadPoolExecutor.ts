import { MessageChannel, type Transferable } from 'node:worker_threads';
import { BrokenThreadPool, DataCloneError } from '../errors';
import type { Executor, MapOptions, ShutdownOptions, StreamTaskLike, TaskLike } from '../Executor';
import { Future } from '../Future';
import { findUncloneable } from '../internal/cloneCheck';
import { missingEntryMessage } from '../internal/entryFile';
import { MapFeeds } from '../internal/MapFeeds';
import { orderedMap } from '../internal/orderedMap';
import { checkSchedulable } from '../internal/checkSchedulable';
import { kPreferredInFlight, kSubmitBatch } from '../internal/symbols';
import { checkShutdownOptions } from '../internal/validate';
import { isTransferred } from '../transfer';
import { argsProblem } from './checkArgs';
import { describeTask } from './describeTask';
import { fillOptions, type FilledOptions, type ThreadPoolExecutorOptions } from './options';
import type { TaskDescriptor } from './protocol';
import { sendableCalls } from './sendableCalls';
import { streamFromPort } from './streamFromPort';
import { kNoTransfers, unwrapTransfers } from './unwrapTransfers';
import { WorkerPool, type ThreadPoolStats } from './WorkerPool';

/**
 * Runs tasks on a pool of worker threads (a Piscina pool): Python's
 * `ThreadPoolExecutor`, but truly parallel, since each worker is a V8
 * isolate of its own.
 *
 * Tasks are module exports named with `task()` / `taskModule()` (the primary
 * way), or self-contained functions shipped by source. Arguments and results
 * are structured-cloned (or moved with `transfer()`); a task's exception
 * arrives whole: class, message, worker stack, `cause`, `code` and other own
 * properties.
 *
 * @example
 * ```ts
 * import { ThreadPoolExecutor, taskModule } from 'rxfutures';
 * const tasks = taskModule<typeof import('./tasks')>(require.resolve('./tasks'));
 * await using pool = new ThreadPoolExecutor({ maxWorkers: 4 });
 * const f = pool.submit(tasks.fib, 35);
 * console.log(await f);
 * for await (const n of pool.map((x: number) => x * x, [1, 2, 3])) console.log(n);
 * ```
 * @see Executor
 */
export class ThreadPoolExecutor implements Executor {
  readonly #options: FilledOptions;
  readonly #pool: WorkerPool;
  // Set by shutdown(): the promise of the pool being drained and its threads gone.
  #closed: Promise<void> | undefined;
  // Maps (without buffersize) still submitting their items: shutdown waits for them, as their items were accepted.
  readonly #feeds = new MapFeeds();

  /**
   * @param options - see {@link ThreadPoolExecutorOptions}
   * @throws `RangeError` for `maxWorkers` (or `maxTasksPerChild`, `maxQueue`) that is not a positive integer;
   *   `TypeError` for options of the wrong type or an initializer that is not a task
   */
  constructor(options?: ThreadPoolExecutorOptions) {
    this.#options = fillOptions(options);
    const init = this.#options.initializer === undefined ? undefined : describeTask(this.#options.initializer, 'options.initializer');
    const initargs = this.#options.initargs;
    const bad = findUncloneable(initargs, 'options.initargs');
    if (bad !== undefined) throw new DataCloneError(`options.initargs cannot be cloned to a worker: ${bad}`);
    this.#pool = new WorkerPool(this.#options, init);
  }

  /** The number of worker threads at most. */
  get maxWorkers(): number {
    return this.#options.maxWorkers;
  }

  /**
   * Queued, running and completed task counts, live workers and utilization.
   *
   * @example
   * ```ts
   * const { queued, running } = pool.stats;
   * ```
   */
  get stats(): ThreadPoolStats {
    return this.#pool.stats;
  }

  /**
   * Schedules `task(...args)` on a worker thread.
   *
   * @example
   * ```ts
   * const f = pool.submit((a: number, b: number) => a + b, 1, 2);
   * await f; // 3
   * ```
   * @param task - a `Task` or a self-contained function (no closure over outer variables)
   * @param args - structured-clonable arguments; wrap buffers in `transfer()` to move them
   * @returns the task's Future
   * @throws `ShutdownError` after `shutdown()` or once the process is exiting; `BrokenThreadPool` if an initializer failed;
   *   `TypeError` for something that is not a task (a closure's missing variables are reported
   *   on the future as a `ReferenceError` that says why)
   */
  submit<A extends unknown[], R>(task: TaskLike<A, R>, ...args: A): Future<Awaited<R>> {
    this.#checkOpen('submit');
    return this.#enqueueCall<A, Awaited<R>>(describeTask(task, 'submit: task'), args);
  }

  #enqueueCall<A extends unknown[], R>(descriptor: TaskDescriptor, args: A): Future<R> {
    const future = new Future<R>();
    const transferList = args.some(isTransferred) ? [] : kNoTransfers;
    const sent = transferList === kNoTransfers ? args : unwrapTransfers(args, transferList);
    const bad = argsProblem(sent, transferList);
    if (bad !== undefined) {
      future.setException(new DataCloneError(`the task's arguments cannot be cloned to a worker: ${bad}`));
      return future;
    }
    this.#checkQueue(1);
    this.#pool.enqueue({ futures: [future as Future<unknown>], request: { task: descriptor, args: sent }, transferList });
    return future;
  }

  /**
   * Submits several calls of one task as one message (a `chunksize` chunk);
   * one Future per call. Used by `map` and the Rx operators.
   * @internal
   */
  [kSubmitBatch]<A extends unknown[], R>(task: TaskLike<A, R>, argsList: A[]): Future<Awaited<R>>[] {
    this.#checkOpen('submit');
    return this.#enqueueBatch<A, Awaited<R>>(describeTask(task, 'submit: task'), argsList, false);
  }

  /**
   * @param ownCalls - a chunk the pool chose (map without chunksize: coalescing made visible to no one), so a
   *   call whose arguments cannot be sent fails alone; a `chunksize` chunk fails whole, as Python fails a
   *   chunk it cannot pickle (docs/thread-pool.md)
   */
  #enqueueBatch<A extends unknown[], R>(descriptor: TaskDescriptor, argsList: A[], ownCalls: boolean): Future<R>[] {
    const transferList: Transferable[] = [];
    const batch = argsList.map((args) => unwrapTransfers(args, transferList));
    const futures = batch.map(() => new Future<R>());
    const bad = argsProblem(batch, transferList);
    if (bad === undefined) {
      this.#checkQueue(futures.length);
      this.#pool.enqueue({ futures: futures as Future<unknown>[], request: { task: descriptor, batch }, transferList });
      return futures;
    }
    if (!ownCalls) {
      for (const f of futures) f.setException(new DataCloneError(`the task's arguments cannot be cloned to a worker: ${bad}`));
      return futures;
    }
    const good = sendableCalls(argsList, futures as Future<unknown>[]);
    if (good.futures.length > 0) {
      this.#checkQueue(good.futures.length);
      this.#pool.enqueue({ futures: good.futures, request: { task: descriptor, batch: good.batch }, transferList: good.transferList });
    }
    return futures;
  }

  /**
   * How many calls of `task` are worth having in flight (see kPreferredInFlight).
   * @internal
   */
  [kPreferredInFlight](task: TaskLike<any[], unknown>): number | undefined {
    return this.#pool.preferredInFlight(describeTask(task, 'task'));
  }

  /**
   * Runs `task` over `items` and yields the results in input order — while
   * the tasks themselves run in parallel and may finish in any order.
   *
   * @example
   * ```ts
   * for await (const size of pool.map(tasks.fileSize, paths, { buffersize: 64 })) total += size;
   * ```
   * @param task - a one-argument Task or self-contained function
   * @param items - a (possibly endless, possibly async) iterable
   * @param options - `timeout` (ms from this call), `chunksize` (items per message), `buffersize`
   *   (items taken ahead of the consumer; bound it for endless inputs)
   * @returns an async iterator of results; `break` cancels what is left
   * @throws `ShutdownError` after shutdown or once the process is exiting; the iterator throws a task's exception at its position
   */
  map<T, R>(task: TaskLike<[T], R>, items: Iterable<T> | AsyncIterable<T>, options?: MapOptions): AsyncIterableIterator<Awaited<R>> {
    this.#checkOpen('map');
    const descriptor = describeTask(task, 'map: task');
    const submitChunk = (chunk: T[]): Future<Awaited<R>>[] =>
      chunk.length === 1 ? [this.submit(task, chunk[0])] : this[kSubmitBatch](task, chunk.map((x) => [x] as [T]));
    return orderedMap<T, Awaited<R>>('map', submitChunk, items, options, {
      // Two messages per worker, each as large as coalescing would make them (as mapOrdered$'s default),
      // sent as chunks: one work item per message rather than one per call.
      window: () => ({ messages: 2 * this.#options.maxWorkers, perMessage: this.#pool.messageSize(descriptor) ?? 1 }),
      submitChunk: (chunk, chunkGiven) => this.#submitFed(descriptor, chunk, chunkGiven),
      track: this.#feeds.track,
    });
  }

  // A fed map's items were accepted by map(): they are submitted even after shutdown() (which waits for
  // them), but never on a broken pool or an exiting process.
  #submitFed<T, R>(descriptor: TaskDescriptor, chunk: T[], chunkGiven: boolean): Future<R>[] {
    checkSchedulable('map', false);
    const broken = this.#pool.broken;
    if (broken !== undefined) throw broken;
    if (chunk.length > 1) return this.#enqueueBatch<[T], R>(descriptor, chunk.map((x) => [x] as [T]), !chunkGiven);
    return [this.#enqueueCall<[T], R>(descriptor, [chunk[0]])];
  }

  /**
   * Runs a (sync or async) generator task in a worker and yields every value
   * it yields, as it is produced — progress reports, partial results.
   * Stopping early (`break`, `return()`) interrupts the task and frees the worker.
   *
   * @example
   * ```ts
   * for await (const pct of pool.stream(tasks.encodeWithProgress, file)) bar.update(pct);
   * ```
   * @param task - a generator function, or a Task naming one
   * @param args - its arguments
   * @returns an async iterator of the yielded values; throws the task's exception where it happens
   * @throws `ShutdownError` after shutdown or once the process is exiting
   */
  stream<A extends unknown[], Y>(task: StreamTaskLike<A, Y>, ...args: A): AsyncIterableIterator<Y> {
    this.#checkOpen('stream');
    const descriptor = describeTask(task, 'stream: task');
    const transferList: Transferable[] = [];
    const sent = unwrapTransfers(args, transferList);
    const bad = argsProblem(sent, transferList);
    if (bad !== undefined) throw new DataCloneError(`the task's arguments cannot be cloned to a worker: ${bad}`);
    this.#checkQueue(1);
    const { port1, port2 } = new MessageChannel();
    const run = new Future<unknown>();
    const { iterator, fail } = streamFromPort<Y>(port1, () => run.cancel({ interrupt: true }));
    run.addDoneCallback((f) => {
      if (f.cancelled()) port1.close();
    });
    this.#pool.enqueue({
      futures: [run],
      request: { task: descriptor, args: sent, port: port2 },
      transferList: [...transferList, port2],
      onWorkerFailure: fail,
    });
    return iterator;
  }

  /**
   * Stops accepting work. `submit` throws `ShutdownError` from this call on.
   * With `wait: true` (the default) resolves once every running and pending
   * task has ended and the threads are gone; with `wait: false` resolves at
   * once while the work still finishes. `cancelFutures: true` cancels the
   * pending futures first. Calling it twice is harmless.
   *
   * @example
   * ```ts
   * await pool.shutdown({ cancelFutures: true });
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
    // Maps still submitting the items they accepted: waited for first (with cancelFutures, they drop them).
    const fed = this.#feeds.shutdown(cancelFutures);
    if (cancelFutures) this.#pool.cancelPending();
    this.#closed ??= fed
      .then(() => this.#pool.whenIdle())
      .then(() => this.#pool.destroy());
    return wait ? this.#closed : Promise.resolve();
  }

  /**
   * `shutdown({ wait: true })`, so `await using pool = new ThreadPoolExecutor()` cleans up.
   *
   * @example
   * ```ts
   * { await using pool = new ThreadPoolExecutor(); await pool.submit(fn); } // threads gone here
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown({ wait: true });
  }

  #checkOpen(method: string): void {
    checkSchedulable(method, this.#closed !== undefined);
    const broken = this.#pool.broken;
    if (broken !== undefined) throw broken;
    if (!this.#entryFound) this.#checkEntry();
  }

  // The worker entry is looked for on the first submit (not at construction), until it is found.
  #entryFound = false;
  #checkEntry(): void {
    const { workerFilename, workerSearched } = this.#options;
    const missing = missingEntryMessage(workerFilename, workerSearched, "the thread pool's worker entry", 'rxfutures/worker', 'workerFilename');
    if (missing !== undefined) throw new BrokenThreadPool(missing);
    this.#entryFound = true;
  }

  #checkQueue(adding: number): void {
    if (this.#pool.queueLength + adding > this.#options.maxQueue) {
      throw new RangeError(`submit: the task queue is full (options.maxQueue is ${this.#options.maxQueue})`);
    }
  }
}
