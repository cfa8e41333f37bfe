import { VirtualTimeScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import { CancelledError, ShutdownError } from '../errors';
import { Future } from '../Future';
import type { Executor, MapOptions, ShutdownOptions, StreamTaskLike, TaskLike } from '../Executor';
import type { Task } from '../Task';
import { orderedMap } from '../internal/orderedMap';
import { kSubmitBatch } from '../internal/symbols';
import { checkPositiveInteger, describe } from '../internal/validate';
import { checkTask, loadInProcess, promiseInVirtualTime, settle, type Outcome, type Settling } from './inProcess';
import { VirtualStream } from './VirtualStream';

/** What {@link VirtualExecutor.log} records. */
export type VirtualEvent = 'submitted' | 'started' | 'finished' | 'failed' | 'cancelled' | 'interrupted';

/** One line of {@link VirtualExecutor.log}. */
export interface VirtualLogEntry {
  /** `scheduler.now()` when it happened: the frame, inside `TestScheduler.run`. */
  readonly time: number;
  /** `cancelled`: cancelled while queued; `interrupted`: cancelled while running. */
  readonly event: VirtualEvent;
  /** The call's number, 1, 2, … in submission order (each call of a batch has its own). */
  readonly id: number;
  /** The arguments it was submitted with. */
  readonly args: readonly unknown[];
}

/** Options of {@link VirtualExecutor}. */
export interface VirtualExecutorOptions {
  /** The clock: the `TestScheduler` inside `run()`, or any `SchedulerLike`. */
  scheduler: SchedulerLike;
  /** How many tasks run at once; the rest wait in FIFO order. @default 1 */
  maxWorkers?: number;
  /** Virtual time one call (or one yielded value of a stream) takes. @default () => 1 */
  duration?: (task: Task | Function, args: readonly unknown[]) => number;
}

type AnyTask = Task | ((...args: unknown[]) => unknown);

// One call: its future and where it is in its life.
interface Call {
  readonly id: number;
  readonly args: unknown[];
  readonly future: Future<unknown>;
  state: 'queued' | 'running' | 'over';
}

// What takes one worker slot: one call, a batch of calls (one message), or a generator run.
interface Job {
  readonly task: AnyTask;
  readonly calls: Call[];
  readonly stream?: VirtualStream<unknown>;
  // The scheduled end of what runs now; unsubscribed on interrupt.
  action?: Subscription;
  // An interrupt stopped it: nothing it computes any more is reported.
  stopped?: boolean;
}

/**
 * An {@link Executor} that runs tasks in this thread on an RxJS scheduler's
 * clock, so pipelines built on rxfutures' operators can be marble-tested
 * deterministically inside `TestScheduler.run()`.
 *
 * A call is made when it gets a worker slot and holds the slot for
 * `duration(task, args)` frames; its result (or exception) is set at the
 * end of that time. Queueing beyond `maxWorkers`, `cancel`,
 * `cancel({ interrupt: true })` and `shutdown` behave as in the thread pool.
 * Every step is recorded in {@link VirtualExecutor.log}.
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
 *   const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 2, duration: () => 3 });
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
  readonly #scheduler: SchedulerLike;
  readonly #duration: (task: Task | Function, args: readonly unknown[]) => number;
  // Virtual time cannot wait for real promises.
  readonly #virtual: boolean;
  readonly #log: VirtualLogEntry[] = [];
  // Jobs waiting for a slot, FIFO.
  readonly #queue: Job[] = [];
  // Jobs holding a slot.
  readonly #running = new Set<Job>();
  // Resolvers of shutdown({ wait: true }) calls, run once idle.
  readonly #idleWaiters: Array<() => void> = [];
  #nextId = 1;
  #isShutdown = false;
  #dispatchPending = false;

  /**
   * @param options - `scheduler` (required), `maxWorkers` (default 1), `duration` (default one frame)
   * @throws TypeError without a scheduler or with a non-function duration; RangeError for a bad maxWorkers
   */
  constructor(options: VirtualExecutorOptions) {
    const { scheduler, maxWorkers = 1, duration = () => 1 } = options ?? ({} as VirtualExecutorOptions);
    if (scheduler === null || typeof scheduler !== 'object' || typeof scheduler.schedule !== 'function') {
      throw new TypeError(`VirtualExecutor: options.scheduler must be an RxJS SchedulerLike, got ${describe(scheduler)}`);
    }
    checkPositiveInteger(maxWorkers, 'VirtualExecutor: options.maxWorkers');
    if (typeof duration !== 'function') {
      throw new TypeError(`VirtualExecutor: options.duration must be a function, got ${describe(duration)}`);
    }
    this.#scheduler = scheduler;
    this.maxWorkers = maxWorkers;
    this.#duration = duration;
    this.#virtual = scheduler instanceof VirtualTimeScheduler;
  }

  /** Every submission, start, end, cancellation and interrupt so far, in order. */
  get log(): readonly VirtualLogEntry[] {
    return this.#log;
  }

  /**
   * Queues `task(...args)`.
   * @example
   * ```ts
   * const f = executor.submit((a: number, b: number) => a + b, 1, 2);
   * ```
   * @throws ShutdownError after shutdown; TypeError for a task that is neither a function nor a Task
   */
  submit<A extends unknown[], R>(task: TaskLike<A, R>, ...args: A): Future<Awaited<R>> {
    return this[kSubmitBatch](task, [args])[0];
  }

  /** @internal Queues several calls of one task as one job (one slot, results together at the end). */
  [kSubmitBatch]<A extends unknown[], R>(task: TaskLike<A, R>, argsList: A[]): Future<Awaited<R>>[] {
    this.#checkOpen('submit');
    checkTask(task, 'submit: task');
    const job: Job = { task: task as AnyTask, calls: argsList.map((args) => this.#newCall(args)) };
    this.#enqueue(job);
    return job.calls.map((c) => c.future as Future<Awaited<R>>);
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
    const call = this.#newCall(args);
    const stream = new VirtualStream<Y>(() => call.future.cancel({ interrupt: true }));
    this.#enqueue({ task: task as AnyTask, calls: [call], stream: stream as VirtualStream<unknown> });
    return stream;
  }

  /**
   * Stops accepting work. `wait: true` (default) resolves when every queued
   * and running task has ended; `cancelFutures: true` cancels the queued ones first.
   * @example
   * ```ts
   * await executor.shutdown({ cancelFutures: true });
   * ```
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    const { wait = true, cancelFutures = false } = options ?? {};
    this.#isShutdown = true;
    if (cancelFutures) {
      for (const job of [...this.#queue]) for (const call of job.calls) call.future.cancel();
    }
    if (!wait) return Promise.resolve();
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
      this.#checkIdle();
    });
  }

  /** `shutdown({ wait: true })`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown({ wait: true });
  }

  #checkOpen(method: string): void {
    if (this.#isShutdown) throw new ShutdownError(`${method}: cannot schedule new futures after shutdown`);
  }

  #record(event: VirtualEvent, call: Call): void {
    this.#log.push({ time: this.#scheduler.now(), event, id: call.id, args: call.args });
  }

  #newCall(args: unknown[]): Call {
    const call: Call = { id: this.#nextId++, args, future: new Future<unknown>(), state: 'queued' };
    this.#record('submitted', call);
    return call;
  }

  #enqueue(job: Job): void {
    this.#queue.push(job);
    for (const call of job.calls) {
      call.future.addDoneCallback((f) => {
        // Cancelled while queued: its spot is freed. (Running ones are handled by #interrupt.)
        if (!f.cancelled() || call.state !== 'queued') return;
        call.state = 'over';
        this.#record('cancelled', call);
        job.stream?.push({ kind: 'E', error: new CancelledError() });
        if (job.calls.every((c) => c.state === 'over')) {
          const i = this.#queue.indexOf(job);
          if (i >= 0) this.#queue.splice(i, 1);
          this.#checkIdle();
        }
      });
    }
    this.#scheduleDispatch();
  }

  // Starts queued jobs on a scheduled action, never inside submit() or cancel().
  #scheduleDispatch(): void {
    if (this.#dispatchPending) return;
    this.#dispatchPending = true;
    this.#scheduler.schedule(() => {
      this.#dispatchPending = false;
      while (this.#running.size < this.maxWorkers && this.#queue.length > 0) this.#start(this.#queue.shift()!);
      this.#checkIdle();
    });
  }

  #start(job: Job): void {
    const live = job.calls.filter((c) => c.state === 'queued' && c.future.setRunningOrNotifyCancel());
    if (live.length === 0) return;
    this.#running.add(job);
    for (const call of live) {
      call.state = 'running';
      this.#record('started', call);
      call.future.setInterruptHandler(() => this.#interrupt(job, call));
    }
    if (job.stream !== undefined) return this.#startStream(job, live[0]);
    let total = 0;
    const results: Settling[] = [];
    for (const call of live) {
      const result = settle(() => loadInProcess(job.task)(...call.args));
      try {
        total += this.#durationOf(job.task, call.args);
      } catch (error) {
        result.outcome = { ok: false, error };
      }
      results.push(result);
    }
    job.action = this.#scheduler.schedule(() => {
      this.#whenSettled(job, results, 'the task', () => {
        live.forEach((call, i) => this.#end(call, results[i].outcome!));
        this.#release(job);
      });
    }, total);
  }

  // A generator run: each next() is one step of one duration; `return` takes no time.
  #startStream(job: Job, call: Call): void {
    const stream = job.stream!;
    const opened = settle(() => {
      const iterable = loadInProcess(job.task)(...call.args) as Iterable<unknown> | AsyncIterable<unknown> | null;
      if (iterable !== null && typeof iterable === 'object' && Symbol.asyncIterator in iterable) {
        return iterable[Symbol.asyncIterator]();
      }
      if (iterable !== null && typeof iterable === 'object' && Symbol.iterator in iterable) return iterable[Symbol.iterator]();
      throw new TypeError('a stream task must be a generator function (or return an iterable / async iterable)');
    });
    const finish = (outcome: Outcome): void => {
      this.#end(call, outcome.ok ? { ok: true, value: undefined } : outcome);
      stream.push(outcome.ok ? { kind: 'C' } : { kind: 'E', error: outcome.error });
      this.#release(job);
    };
    // One step of virtual time for `outcome`, then `then()`; a bad duration() fails the run.
    const after = (outcome: Settling, then: () => void): void => {
      let d: number;
      try {
        d = this.#durationOf(job.task, call.args);
      } catch (error) {
        return finish({ ok: false, error });
      }
      job.action = this.#scheduler.schedule(() => this.#whenSettled(job, [outcome], 'the generator', then), d);
    };
    if (!opened.outcome!.ok) return after(opened, () => finish(opened.outcome!));
    const iterator = opened.outcome!.value as Iterator<unknown> | AsyncIterator<unknown>;
    const step = (): void => {
      const next = settle(() => iterator.next());
      if (next.outcome?.ok && (next.outcome.value as IteratorResult<unknown>).done) return finish({ ok: true, value: undefined });
      after(next, () => {
        const outcome = next.outcome!;
        if (!outcome.ok) return finish(outcome);
        const result = outcome.value as IteratorResult<unknown>;
        if (result.done) return finish({ ok: true, value: undefined });
        stream.push({ kind: 'N', value: result.value });
        if (!job.stopped) step();
      });
    };
    step();
  }

  // Calls `then` once every result has an outcome: at once, or — real time only — when its promise settles.
  #whenSettled(job: Job, results: Settling[], what: string, then: () => void): void {
    const waiting = results.filter((r) => r.outcome === undefined);
    if (waiting.length === 0) return then();
    if (this.#virtual) {
      for (const r of waiting) r.outcome = { ok: false, error: promiseInVirtualTime(what) };
      return then();
    }
    void Promise.all(waiting.map((r) => r.settled)).then(() => {
      this.#scheduler.schedule(() => {
        if (!job.stopped) then();
      });
    });
  }

  #durationOf(task: AnyTask, args: unknown[]): number {
    const d = this.#duration(task, args);
    if (typeof d !== 'number' || Number.isNaN(d) || d < 0) {
      throw new RangeError(`VirtualExecutor: options.duration must return a number >= 0, got ${describe(d)}`);
    }
    return d;
  }

  #end(call: Call, outcome: Outcome): void {
    if (call.state !== 'running') return;
    call.state = 'over';
    this.#record(outcome.ok ? 'finished' : 'failed', call);
    if (outcome.ok) call.future.setResult(outcome.value);
    else call.future.setException(outcome.error);
  }

  // The future is already cancelled; the worker is "terminated": every call of the job ends.
  #interrupt(job: Job, call: Call): void {
    call.state = 'over';
    this.#record('interrupted', call);
    if (job.stopped) return;
    job.stopped = true;
    job.action?.unsubscribe();
    for (const other of job.calls) if (other.state === 'running') other.future.cancel({ interrupt: true });
    this.#release(job);
  }

  #release(job: Job): void {
    if (!this.#running.delete(job)) return;
    job.stopped = true;
    this.#scheduleDispatch();
  }

  #checkIdle(): void {
    if (!this.#isShutdown || this.#running.size > 0 || this.#queue.length > 0) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}
