import type { Executor, MapOptions, ShutdownOptions, StreamTaskLike, TaskLike } from '../Executor';
import { Future } from '../Future';
import { orderedMap } from '../internal/orderedMap';
import { kSubmitBatch } from '../internal/symbols';
import { describe } from '../internal/validate';
import { describeQueueTask } from './describeQueueTask';
import { jobStream } from './JobStream';
import { fillExecutorOptions, type FilledExecutorOptions, type QueueExecutorOptions } from './options';
import { pack } from './protocol';
import { QueueDispatcher } from './QueueDispatcher';
import { checkSchedulable } from '../internal/checkSchedulable';

/**
 * Runs tasks as BullMQ jobs on a Redis-backed queue, so the work spreads over
 * worker processes on any number of machines (`startQueueWorker`, or the
 * `rxfutures-worker` command) — with the same `Executor` interface, so
 * `submit$`, `mapOrdered$`, `asCompleted$`, `waitFirst$` and `stream$` run
 * unchanged.
 *
 * A Future follows its job: waiting → `pending`, active → `running`,
 * completed → `finished` with the result, failed → `finished` with the
 * task's own exception (class, message, worker stack, `cause`, `code`…).
 * `cancel()` removes a waiting job; `cancel({ interrupt: true })` stops an
 * active one on whichever worker holds it.
 *
 * Tasks are module tasks only (`task()` / `taskModule()`), named by a package
 * name or a path that resolves on the workers. Arguments and results are
 * structured-clone values (`v8.serialize`), at most `maxPayloadBytes` each.
 * Delivery is at least once: a job whose worker dies is run again by
 * another, so make tasks idempotent (docs/distributed.md).
 *
 * @example
 * ```ts
 * import { QueueExecutor, taskModule, mapOrdered$ } from 'rxfutures';
 * import { from } from 'rxjs';
 * const tasks = taskModule<typeof import('my-tasks')>('my-tasks');
 * await using queue = new QueueExecutor({ connection: 'redis://127.0.0.1:6379', queueName: 'thumbnails', maxWorkers: 16 });
 * console.log(await queue.submit(tasks.resize, 'a.png', 128));
 * from(files).pipe(mapOrdered$(queue, tasks.resize)).subscribe(console.log);
 * ```
 * @see startQueueWorker
 * @see Executor
 */
export class QueueExecutor implements Executor {
  readonly #options: FilledExecutorOptions;
  readonly #dispatcher: QueueDispatcher;
  // Set by shutdown(): the promise of every job ended and the connections closed.
  #closed: Promise<void> | undefined;

  /**
   * Connects in the background; `ready()` says when it is done. Jobs
   * submitted meanwhile are sent once connected.
   *
   * @param options - see {@link QueueExecutorOptions}
   * @throws `TypeError`/`RangeError` for a bad option; `Error` if bullmq and ioredis are not installed
   */
  constructor(options: QueueExecutorOptions) {
    this.#options = fillExecutorOptions(options);
    this.#dispatcher = new QueueDispatcher(this.#options);
  }

  /** The workers' total concurrency, as told in the options (operators size their buffers from it). */
  get maxWorkers(): number {
    return this.#options.maxWorkers;
  }

  /**
   * Resolves once connected to Redis and following the queue's events.
   *
   * @example
   * ```ts
   * const queue = new QueueExecutor({ connection: url, queueName: 'q', connectTimeout: 2000 });
   * await queue.ready(); // rejects with BrokenQueue if Redis is not there within 2 s
   * ```
   * @returns a promise; rejects with `BrokenQueue` when Redis cannot be reached within `connectTimeout`
   */
  ready(): Promise<void> {
    return this.#dispatcher.ready();
  }

  /**
   * Adds a job that runs `task(...args)` on a worker.
   *
   * @example
   * ```ts
   * const f = queue.submit(tasks.fib, 30);
   * await f; // 832040
   * ```
   * @param task - a module `Task` (inline functions cannot run on another machine)
   * @param args - structured-clone values
   * @returns the job's Future; arguments that cannot be sent fail it with `DataCloneError` or `PayloadTooLargeError`
   * @throws `ShutdownError` after `shutdown()` or once the process is exiting; `BrokenQueue` if Redis could not be reached at start;
   *   `TypeError` for an inline function or something that is not a Task
   */
  submit<A extends unknown[], R>(task: TaskLike<A, R>, ...args: A): Future<Awaited<R>> {
    this.#checkOpen('submit');
    const { specifier, exportName } = describeQueueTask(task, 'submit: task');
    const future = new Future<Awaited<R>>();
    const packed = this.#pack(args, "the task's arguments", [future], 'args');
    if (packed !== undefined) this.#dispatcher.enqueue('call', specifier, exportName, packed, [future as Future<unknown>]);
    return future;
  }

  /**
   * Submits several calls of one task as one job (a `chunksize` chunk); one
   * Future per call. Used by `map` and the Rx operators.
   * @internal
   */
  [kSubmitBatch]<A extends unknown[], R>(task: TaskLike<A, R>, argsList: A[]): Future<Awaited<R>>[] {
    this.#checkOpen('submit');
    const { specifier, exportName } = describeQueueTask(task, 'submit: task');
    const futures = argsList.map(() => new Future<Awaited<R>>());
    const packed = this.#pack(argsList, "the chunk's arguments", futures, 'chunk');
    if (packed !== undefined) this.#dispatcher.enqueue('batch', specifier, exportName, packed, futures as Future<unknown>[]);
    return futures;
  }

  /**
   * Runs `task` over `items` on the workers and yields the results in input order.
   *
   * @example
   * ```ts
   * for await (const size of queue.map(tasks.fileSize, paths, { chunksize: 50, buffersize: 2000 })) total += size;
   * ```
   * @param task - a one-argument module Task
   * @param items - a (possibly endless, possibly async) iterable
   * @param options - `timeout` (ms from this call), `chunksize` (items per job), `buffersize`
   *   (items taken ahead of the consumer; bound it for endless inputs)
   * @returns an async iterator of results; `break` cancels what is left
   * @throws `ShutdownError` after shutdown; the iterator throws a task's exception at its position
   */
  map<T, R>(task: TaskLike<[T], R>, items: Iterable<T> | AsyncIterable<T>, options?: MapOptions): AsyncIterableIterator<Awaited<R>> {
    this.#checkOpen('map');
    describeQueueTask(task, 'map: task');
    return orderedMap<T, Awaited<R>>(
      'map',
      (chunk) => (chunk.length === 1 ? [this.submit(task, chunk[0])] : this[kSubmitBatch](task, chunk.map((x) => [x] as [T]))),
      items,
      options,
    );
  }

  /**
   * Runs a generator task on a worker and yields every value it yields, as
   * the worker produces them. Stopping early (`break`, `return()`)
   * interrupts the task on its worker.
   *
   * @example
   * ```ts
   * for await (const pct of queue.stream(tasks.encodeWithProgress, file)) bar.update(pct);
   * ```
   * @param task - a module Task naming a (sync or async) generator function
   * @param args - its arguments
   * @returns an async iterator of the yielded values; throws the task's exception where it happens
   * @throws `ShutdownError` after shutdown; `DataCloneError`/`PayloadTooLargeError` for arguments that cannot be sent
   */
  stream<A extends unknown[], Y>(task: StreamTaskLike<A, Y>, ...args: A): AsyncIterableIterator<Y> {
    this.#checkOpen('stream');
    const { specifier, exportName } = describeQueueTask(task, 'stream: task');
    const run = new Future<unknown>();
    const packed = this.#pack(args, "the task's arguments", [run], 'args');
    if (packed === undefined) throw run.exceptionNow();
    const sink = jobStream<Y>(() => run.cancel({ interrupt: true }));
    run.addDoneCallback((f) => {
      if (f.cancelled()) sink.end(false);
    });
    this.#dispatcher.enqueue('stream', specifier, exportName, packed, [run], sink as ReturnType<typeof jobStream<unknown>>);
    return sink.iterator;
  }

  /**
   * Stops accepting work. `submit` throws `ShutdownError` from this call on.
   * With `wait: true` (the default) resolves once every job of this executor
   * has ended and its connections are closed; with `wait: false` resolves at
   * once while the jobs still run. `cancelFutures: true` cancels (removes)
   * the jobs still waiting first. Calling it twice is harmless. Workers are
   * not stopped: they serve other producers too.
   *
   * @example
   * ```ts
   * await queue.shutdown({ cancelFutures: true });
   * ```
   * @param options - `{ wait = true, cancelFutures = false }`
   * @returns a promise; rejects with `TypeError` for options of the wrong type
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    if (options === null || typeof options !== 'object') {
      return Promise.reject(new TypeError(`shutdown: options must be an object, got ${describe(options)}`));
    }
    const { wait = true, cancelFutures = false } = options;
    if (typeof wait !== 'boolean') return Promise.reject(new TypeError(`shutdown: options.wait must be a boolean, got ${describe(wait)}`));
    if (typeof cancelFutures !== 'boolean') {
      return Promise.reject(new TypeError(`shutdown: options.cancelFutures must be a boolean, got ${describe(cancelFutures)}`));
    }
    if (cancelFutures) this.#dispatcher.cancelPending();
    this.#closed ??= this.#dispatcher.whenIdle().then(() => this.#dispatcher.close());
    return wait ? this.#closed : Promise.resolve();
  }

  /**
   * `shutdown({ wait: true })`, so `await using queue = new QueueExecutor(…)` cleans up.
   *
   * @example
   * ```ts
   * { await using queue = new QueueExecutor(options); await queue.submit(tasks.ping); } // connections closed here
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown({ wait: true });
  }

  #checkOpen(method: string): void {
    // Once the process is exiting no command reaches Redis: the future would say `running` for ever.
    checkSchedulable(method, this.#closed !== undefined);
    const broken = this.#dispatcher.broken;
    if (broken !== undefined) throw broken;
  }

  // Serialises arguments, or fails the futures with why they cannot be sent.
  #pack(value: unknown, what: string, futures: Future<any>[], path: string): string | undefined {
    try {
      return pack(value, what, this.#options.maxPayloadBytes, path);
    } catch (error) {
      for (const f of futures) f.setException(error);
      return undefined;
    }
  }
}
