import { BrokenProcessPool, CancelledError, DataCloneError } from '../errors';
import type { Executor, MapOptions, ShutdownOptions, StreamTaskLike, TaskLike } from '../Executor';
import { Future } from '../Future';
import { findUncloneable } from '../internal/cloneCheck';
import { missingEntryMessage } from '../internal/entryFile';
import { MapFeeds } from '../internal/MapFeeds';
import { orderedMap } from '../internal/orderedMap';
import { kSubmitBatch } from '../internal/symbols';
import { checkSchedulable } from '../internal/checkSchedulable';
import { checkShutdownOptions } from '../internal/validate';
import { isTransferred } from '../transfer';
import { describeModuleTask } from './describeModuleTask';
import { fillOptions, type FilledOptions, type ProcessPoolExecutorOptions } from './options';
import { tooDeep } from './nestingDepth';
import { ProcessPool } from './ProcessPool';
import { StreamSink } from './StreamSink';

/**
 * Runs module tasks in a pool of child processes: Python's
 * `ProcessPoolExecutor`. Pick it over the thread pool for code that may
 * crash or corrupt its process (native addons, `process.exit`), or that
 * needs memory isolation; each child is a whole Node process.
 *
 * Tasks are module exports named with `task()` / `taskModule()`; functions
 * are refused, since a child shares no memory with this process. Arguments
 * and results are structured-cloned over IPC (`transfer()` markers are
 * copied); a task's exception arrives whole, as on the thread pool.
 *
 * Python's semantics: a child that dies (killed by a signal, `process.exit`)
 * breaks the pool — every pending and running future fails with
 * `BrokenProcessPool` and every later submit throws it.
 * `cancel({ interrupt: true })` kills the child running the task (SIGTERM,
 * then SIGKILL after a short grace) and replaces it: that does not break
 * the pool. Children exit when this process does, even if it crashes.
 *
 * @example
 * ```ts
 * import { ProcessPoolExecutor, taskModule } from 'rxfutures';
 * const tasks = taskModule<typeof import('./primes')>(require.resolve('./primes'));
 * await using pool = new ProcessPoolExecutor({ maxWorkers: 4 });
 * for await (const prime of pool.map(tasks.isPrime, [1000037, 1000039, 1000041])) console.log(prime);
 * ```
 * @see ThreadPoolExecutor
 * @see AsyncExecutor
 */
export class ProcessPoolExecutor implements Executor {
  readonly #options: FilledOptions;
  readonly #pool: ProcessPool;
  // Set by shutdown(): the promise of the pool being drained and its children gone.
  #closed: Promise<void> | undefined;
  // Maps (without buffersize) still submitting their items: shutdown waits for them, as their items were accepted.
  readonly #feeds = new MapFeeds();

  /**
   * @param options - see {@link ProcessPoolExecutorOptions}
   * @throws `RangeError` for `maxWorkers` or `maxTasksPerChild` that is not a positive integer;
   *   `TypeError` for options of the wrong type or an initializer that is not a module task;
   *   `DataCloneError` for initargs that cannot be sent to a child
   */
  constructor(options?: ProcessPoolExecutorOptions) {
    this.#options = fillOptions(options);
    const { initializer, initargs } = this.#options;
    const init = initializer === undefined ? undefined : describeModuleTask(initializer, 'options.initializer');
    const bad = findUncloneable(initargs, 'options.initargs');
    if (bad !== undefined) throw new DataCloneError(`options.initargs cannot be cloned to a child process: ${bad}`);
    this.#pool = new ProcessPool(this.#options, { type: 'settings', initializer: init, initargs });
  }

  /** The number of child processes at most. */
  get maxWorkers(): number {
    return this.#options.maxWorkers;
  }

  /**
   * Schedules `task(...args)` in a child process.
   *
   * @example
   * ```ts
   * const f = pool.submit(tasks.isPrime, 1000037);
   * await f; // true
   * ```
   * @param task - a module Task (functions are refused: see the class notes)
   * @param args - structured-clonable arguments
   * @returns the task's Future
   * @throws `ShutdownError` after `shutdown()` or once the process is exiting; `BrokenProcessPool` once a child died;
   *   `TypeError` for a function or something that is not a Task
   */
  submit<A extends unknown[], R>(task: TaskLike<A, R>, ...args: A): Future<Awaited<R>> {
    return this[kSubmitBatch](task, [args])[0];
  }

  /**
   * Submits several calls of one task as one message (a `chunksize` chunk);
   * one Future per call. Used by `map` and the Rx operators.
   * @internal
   */
  [kSubmitBatch]<A extends unknown[], R>(task: TaskLike<A, R>, argsList: A[]): Future<Awaited<R>>[] {
    this.#checkOpen('submit');
    return this.#enqueueBatch<A, Awaited<R>>(describeModuleTask(task, 'submit: task'), argsList);
  }

  #enqueueBatch<A extends unknown[], R>(descriptor: ReturnType<typeof describeModuleTask>, argsList: A[]): Future<R>[] {
    const calls = argsList.map(unwrapTransfers);
    const futures = calls.map(() => new Future<R>());
    // Each call's arguments are checked on their own: a bad one fails its own future, never its neighbours.
    let good: number[] | undefined;
    for (let i = 0; i < calls.length; i++) {
      const bad = argumentsProblem(calls[i]);
      if (bad === undefined) {
        good?.push(i);
        continue;
      }
      good ??= Array.from({ length: i }, (_, j) => j);
      futures[i].setException(new DataCloneError(`the task's arguments cannot be cloned to a child process: ${bad}`));
    }
    if (good === undefined) this.#pool.enqueue({ futures: futures as Future<unknown>[], task: descriptor, calls });
    else if (good.length > 0) this.#pool.enqueue({ futures: good.map((i) => futures[i]) as Future<unknown>[], task: descriptor, calls: good.map((i) => calls[i]) });
    return futures;
  }

  /**
   * Runs `task` over `items` and yields the results in input order. Pass a
   * `chunksize` for many small items: each chunk is one IPC round trip.
   *
   * @example
   * ```ts
   * for await (const ok of pool.map(tasks.isPrime, numbers, { chunksize: 100 })) count += ok ? 1 : 0;
   * ```
   * @param task - a one-argument module Task
   * @param items - a (possibly endless, possibly async) iterable
   * @param options - `timeout` (ms from this call), `chunksize` (items per message), `buffersize`
   * @returns an async iterator of results; `break` cancels what is left
   * @throws `ShutdownError` after shutdown; `TypeError` for a function
   */
  map<T, R>(task: TaskLike<[T], R>, items: Iterable<T> | AsyncIterable<T>, options?: MapOptions): AsyncIterableIterator<Awaited<R>> {
    this.#checkOpen('map');
    const descriptor = describeModuleTask(task, 'map: task');
    return orderedMap<T, Awaited<R>>('map', (chunk) => this[kSubmitBatch](task, chunk.map((x) => [x] as [T])), items, options, {
      // Two messages per child, each as large as coalescing would make them, sent as chunks: one job
      // per message rather than one per call.
      window: () => ({ messages: 2 * this.#options.maxWorkers, perMessage: this.#pool.messageSize(descriptor) ?? 1 }),
      // The map's items were accepted by map(): submitted even after shutdown() (which waits for them),
      // never on a broken pool or an exiting process.
      submitChunk: (chunk) => {
        checkSchedulable('map', false);
        const broken = this.#pool.broken;
        if (broken !== undefined) throw broken;
        return this.#enqueueBatch<[T], Awaited<R>>(descriptor, chunk.map((x) => [x] as [T]));
      },
      track: this.#feeds.track,
    });
  }

  /**
   * Runs a (sync or async) generator task in a child and yields every value
   * it yields, as it is produced. Stopping early (`break`, `return()`)
   * kills that child, which is replaced.
   *
   * @example
   * ```ts
   * for await (const pct of pool.stream(tasks.encodeWithProgress, file)) bar.update(pct);
   * ```
   * @param task - a module Task naming a generator function
   * @param args - its arguments
   * @returns an async iterator of the yielded values; throws the task's exception where it happens
   * @throws `ShutdownError` after shutdown; `BrokenProcessPool` once a child died; `DataCloneError` for arguments
   */
  stream<A extends unknown[], Y>(task: StreamTaskLike<A, Y>, ...args: A): AsyncIterableIterator<Y> {
    this.#checkOpen('stream');
    const descriptor = describeModuleTask(task, 'stream: task');
    const sent = unwrapTransfers(args);
    const bad = argumentsProblem(sent);
    if (bad !== undefined) throw new DataCloneError(`the task's arguments cannot be cloned to a child process: ${bad}`);
    const run = new Future<unknown>();
    const sink = new StreamSink<Y>(() => run.cancel({ interrupt: true }));
    // Cancelled before it ran (shutdown with cancelFutures): the consumer hears why.
    run.addDoneCallback((f) => {
      if (f.cancelled()) sink.fail(new CancelledError('the stream was cancelled before it ran'));
    });
    this.#pool.enqueue({ futures: [run], task: descriptor, calls: [sent], stream: sink as StreamSink<unknown> });
    return sink.iterator;
  }

  /**
   * Stops accepting work. `submit` throws `ShutdownError` from this call on.
   * With `wait: true` (the default) resolves once every running and pending
   * task has ended and every child process has exited; with `wait: false`
   * resolves at once while the work still finishes. `cancelFutures: true`
   * cancels the pending futures first. Calling it twice is harmless.
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
   * `shutdown({ wait: true })`, so `await using pool = new ProcessPoolExecutor()` cleans up.
   *
   * @example
   * ```ts
   * { await using pool = new ProcessPoolExecutor(); await pool.submit(tasks.work); } // children gone here
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

  // The child entry is looked for on the first submit (not at construction), until it is found.
  #entryFound = false;
  #checkEntry(): void {
    const { workerFilename, workerSearched } = this.#options;
    const missing = missingEntryMessage(workerFilename, workerSearched, "the process pool's child entry", 'rxfutures/process-worker', 'workerFilename');
    if (missing !== undefined) throw new BrokenProcessPool(missing);
    this.#entryFound = true;
  }
}

/** What would keep one call's arguments from reaching a child (or being read there), if anything. Never throws. */
function argumentsProblem(args: unknown[]): string | undefined {
  try {
    return findUncloneable(args, 'args') ?? tooDeep(args, 'args');
  } catch (err) {
    // A getter or a Proxy trap threw, or the walk itself overflowed the stack.
    return `reading them threw ${String((err as Error)?.message ?? err)}`;
  }
}

/** A process can only copy: `transfer()` markers become their values. */
function unwrapTransfers(args: unknown[]): unknown[] {
  return args.some(isTransferred) ? args.map((a) => (isTransferred(a) ? a.value : a)) : args;
}
