/**
 * VirtualExecutor, the facade: the public Executor API, its input checks
 * and shutdown. The slots, the clock and the log are its engine's job
 * (VirtualPool.ts).
 */
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { Future } from '../Future';
import type { Executor, MapOptions, ShutdownOptions, StreamTaskLike, TaskLike } from '../Executor';
import type { Task } from '../Task';
import { orderedMap } from '../internal/orderedMap';
import { kSubmitBatch } from '../internal/symbols';
import { checkSchedulable } from '../internal/checkSchedulable';
import { checkPositiveIntegerOrInfinity, describe } from '../internal/validate';
import { checkTask } from '../internal/inProcess';
import type { VirtualLogEntry } from './VirtualLogEntry';
import { VirtualPool, type AnyTask, type SubscriptionLog } from './VirtualPool';
import { VirtualStream } from './VirtualStream';

/**
 * Options of {@link VirtualExecutor}.
 * @example
 * ```ts
 * // Two workers; a call of `slow` takes 5 frames, every other call 1.
 * const executor = new VirtualExecutor({ scheduler, maxWorkers: 2, duration: (task) => (task === slow ? 5 : 1) });
 * ```
 */
export interface VirtualExecutorOptions {
  /**
   * The clock. Inside `TestScheduler.run()` the default `asyncScheduler` is
   * virtual, as for RxJS's own operators; outside it, pass the TestScheduler
   * (or any `SchedulerLike`).
   * @default asyncScheduler
   */
  scheduler?: SchedulerLike;
  /** How many tasks run at once; the rest wait in FIFO order. `Infinity`: every call starts at once. @default 1 */
  maxWorkers?: number;
  /** Virtual time one call (or one yielded value of a stream) takes. @default () => 1 */
  duration?: (task: Task | Function, args: readonly unknown[]) => number;
}

/**
 * An {@link Executor} that runs tasks in this thread on an RxJS scheduler's
 * clock, so pipelines built on rxfutures' operators can be marble-tested
 * deterministically inside `TestScheduler.run()`.
 *
 * A call is made when it gets a worker slot and holds the slot for
 * `duration(task, args)` frames; its result (or exception) is set at the
 * end of that time. Queueing beyond `maxWorkers`, `cancel`,
 * `cancel({ interrupt: true })` (which aborts the call's
 * `currentAbortSignal()`), chunks (`kSubmitBatch`: calls one after
 * another on one worker, results together; interrupting a call not reached
 * skips it, interrupting the one executing stops the worker and re-runs
 * the rest first) and `shutdown` behave as in the thread pool. Every step
 * is recorded in {@link VirtualExecutor.log}.
 *
 * Differences from the thread pool, on purpose: inline functions may be
 * closures; arguments and results are passed by reference, not cloned; an
 * interrupted call has already run (its side effects happened) and an
 * interrupted generator is abandoned without running its `finally`.
 * A task that returns a Promise is awaited as the thread pool does — but
 * virtual time cannot wait for a real promise, so on a `VirtualTimeScheduler`
 * (`TestScheduler`) a promise not settled when the duration ends fails the
 * call with a `TypeError` that says so. On a real-time scheduler the slot is
 * held until the promise settles.
 *
 * @example
 * ```ts
 * import { TestScheduler } from 'rxjs/testing';
 * import { VirtualExecutor } from 'rxfutures/testing';
 * import { mapOrdered$ } from 'rxfutures';
 *
 * const testScheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
 * testScheduler.run(({ cold, expectObservable }) => {
 *   const executor = new VirtualExecutor({ maxWorkers: 2, duration: () => 3 }); // virtual asyncScheduler
 *   const squares = cold('ab|', { a: 2, b: 3 }).pipe(mapOrdered$(executor, (n: number) => n * n));
 *   expectObservable(squares).toBe('---x(y|)', { x: 4, y: 9 });
 * });
 * ```
 * @see mapOrdered$
 * @see submit$
 */
export class VirtualExecutor implements Executor {
  /** How many tasks run at once. */
  readonly maxWorkers: number;
  // The engine: queue, slots, clock and log.
  readonly #pool: VirtualPool;
  #isShutdown = false;

  /**
   * @param options - `scheduler` (default `asyncScheduler`), `maxWorkers` (default 1, `Infinity` allowed), `duration` (default one frame)
   * @throws TypeError for a scheduler that is not a SchedulerLike or a non-function duration; RangeError for a bad maxWorkers
   */
  constructor(options: VirtualExecutorOptions = {}) {
    const { scheduler = asyncScheduler, maxWorkers = 1, duration = () => 1 } = options ?? {};
    if (scheduler === null || typeof scheduler !== 'object' || typeof scheduler.schedule !== 'function') {
      throw new TypeError(`VirtualExecutor: options.scheduler must be an RxJS SchedulerLike, got ${describe(scheduler)}`);
    }
    checkPositiveIntegerOrInfinity(maxWorkers, 'VirtualExecutor: options.maxWorkers');
    if (typeof duration !== 'function') {
      throw new TypeError(`VirtualExecutor: options.duration must be a function, got ${describe(duration)}`);
    }
    this.maxWorkers = maxWorkers;
    this.#pool = new VirtualPool(scheduler, maxWorkers, duration);
  }

  /** Every submission, start, end, cancellation and interrupt so far, in order. */
  get log(): readonly VirtualLogEntry[] {
    return this.#pool.log;
  }

  /**
   * The calls of `task` (of every task if omitted), in submission order, as
   * RxJS subscription logs for `expectSubscriptions`: `^` where the call was
   * submitted, `!` where it ended — finished, failed, cancelled or
   * interrupted. A call that has not ended has no `!`.
   *
   * @example
   * ```ts
   * testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
   *   const executor = new VirtualExecutor({ duration: () => 10 });
   *   const slow = (x: string) => x;
   *   expectObservable(cold('--a').pipe(mapOrdered$(executor, slow)), '^-----!').toBe('------');
   *   expectSubscriptions(executor.subscriptionsOf(slow)).toBe('--^---!'); // interrupted by the unsubscribe
   * });
   * ```
   * @param task - the function or Task passed to submit/map/stream; omitted: all calls
   * @returns one SubscriptionLog per call
   */
  subscriptionsOf(task?: TaskLike<any[], unknown> | StreamTaskLike<any[], unknown>): SubscriptionLog[] {
    return this.#pool.subscriptionsOf(task);
  }

  /**
   * Queues `task(...args)`.
   * @example
   * ```ts
   * const f = executor.submit((a: number, b: number) => a + b, 1, 2);
   * ```
   * @param task - a function (closures are fine here) or a module Task (required in-process)
   * @param args - its arguments, passed by reference
   * @returns the call's Future
   * @throws ShutdownError after shutdown; TypeError for a task that is neither a function nor a Task
   */
  submit<A extends unknown[], R>(task: TaskLike<A, R>, ...args: A): Future<Awaited<R>> {
    return this[kSubmitBatch](task, [args])[0];
  }

  /** @internal Queues several calls of one task as one chunk: one worker, one call after another, results together. */
  [kSubmitBatch]<A extends unknown[], R>(task: TaskLike<A, R>, argsList: A[]): Future<Awaited<R>>[] {
    this.#checkOpen('submit');
    checkTask(task, 'submit: task');
    const calls = argsList.map((args) => this.#pool.newCall(args));
    this.#pool.enqueue(task as AnyTask, calls);
    return calls.map((c) => c.future as Future<Awaited<R>>);
  }

  /**
   * Runs `task` over `items`, results in input order (the shared engine of
   * every executor's `map`; with `chunksize`, a chunk is one job).
   * @example
   * ```ts
   * for await (const y of executor.map((x: number) => x * 2, [1, 2, 3])) console.log(y);
   * ```
   */
  map<T, R>(task: TaskLike<[T], R>, items: Iterable<T> | AsyncIterable<T>, options?: MapOptions): AsyncIterableIterator<Awaited<R>> {
    this.#checkOpen('map');
    checkTask(task, 'map: task');
    return orderedMap<T, Awaited<R>>('map', (chunk) => this[kSubmitBatch](task, chunk.map((x) => [x] as [T])), items, options);
  }

  /**
   * Runs a generator task; each yielded value takes one `duration`. The
   * returned iterator is also an interop Observable, which `stream$` uses.
   * `return()` cancels it while queued and interrupts it while running.
   * @example
   * ```ts
   * const it = executor.stream(function* (n: number) { for (let i = 0; i < n; i++) yield i; }, 3);
   * ```
   * @throws ShutdownError after shutdown
   */
  stream<A extends unknown[], Y>(task: StreamTaskLike<A, Y>, ...args: A): AsyncIterableIterator<Y> {
    this.#checkOpen('stream');
    checkTask(task, 'stream: task');
    const call = this.#pool.newCall(args);
    const stream = new VirtualStream<Y>(() => call.future.cancel({ interrupt: true }));
    this.#pool.enqueue(task as AnyTask, [call], stream as VirtualStream<unknown>);
    return stream;
  }

  /**
   * Stops accepting work. `wait: true` (default) resolves when every queued
   * and running task has ended; `cancelFutures: true` cancels the queued ones first.
   * @example
   * ```ts
   * await executor.shutdown({ cancelFutures: true });
   * ```
   * @returns a promise; rejects with `TypeError` for options of the wrong type
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    if (options === null || typeof options !== 'object') {
      return Promise.reject(new TypeError(`shutdown: options must be an object, got ${describe(options)}`));
    }
    const { wait = true, cancelFutures = false } = options;
    for (const [name, value] of [['wait', wait], ['cancelFutures', cancelFutures]] as const) {
      if (typeof value !== 'boolean') return Promise.reject(new TypeError(`shutdown: options.${name} must be a boolean, got ${describe(value)}`));
    }
    this.#isShutdown = true;
    if (cancelFutures) this.#pool.cancelQueued();
    if (!wait) return Promise.resolve();
    return this.#pool.whenIdle();
  }

  /** `shutdown({ wait: true })`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown({ wait: true });
  }

  #checkOpen(method: string): void {
    checkSchedulable(method, this.#isShutdown);
  }
}
