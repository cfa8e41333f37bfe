import { VirtualTimeScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import { CancelledError, ShutdownError } from '../errors';
import { Future } from '../Future';
import type { Executor, MapOptions, ShutdownOptions, StreamTaskLike, TaskLike } from '../Executor';
import type { Task } from '../Task';
import { orderedMap } from '../internal/orderedMap';
import { kSubmitBatch } from '../internal/symbols';
import { checkPositiveInteger, describe } from '../internal/validate';
import { checkTask, iterate, loadInProcess, promiseInVirtualTime, settle, type Outcome, type Settling } from '../internal/inProcess';
import { VirtualStream } from './VirtualStream';

/** What {@link VirtualExecutor.log} records. */
export type VirtualEvent = 'submitted' | 'started' | 'finished' | 'failed' | 'cancelled' | 'interrupted';

/** One line of {@link VirtualExecutor.log}. */
export interface VirtualLogEntry {
  /** `scheduler.now()` when it happened: the frame, inside `TestScheduler.run`. */
  readonly time: number;
  /**
   * `started`: its function was called. `cancelled`: cancelled before that (queued, or a chunk's
   * call the worker had not reached). `interrupted`: cancelled after that (the worker was stopped).
   */
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
  // queued: pending; running: its message reached a worker; over: its future is done.
  state: 'queued' | 'running' | 'over';
  // Its function was called in the current run (so a cancel now is an interrupt).
  executed: boolean;
  // The job it is in (a new one when a stopped chunk is re-run).
  job: Job;
}

// What takes one worker slot: one call, a chunk of calls (one message), or a generator run.
interface Job {
  readonly task: AnyTask;
  calls: Call[];
  readonly stream?: VirtualStream<unknown>;
  // Its futures were marked running (a re-run chunk starts that way).
  started: boolean;
  // The call the worker is executing now.
  current?: Call;
  // The scheduled end of the current step; unsubscribed when the worker is stopped.
  action?: Subscription;
  // The worker was released or stopped: nothing it computes any more is reported.
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
 * `cancel({ interrupt: true })`, chunks (`kSubmitBatch`: calls one after
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
    const calls = argsList.map((args) => this.#newCall(args));
    this.#enqueue(task as AnyTask, calls);
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
    const call = this.#newCall(args);
    const stream = new VirtualStream<Y>(() => call.future.cancel({ interrupt: true }));
    this.#enqueue(task as AnyTask, [call], stream as VirtualStream<unknown>);
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
    const call: Call = { id: this.#nextId++, args, future: new Future<unknown>(), state: 'queued', executed: false, job: undefined! };
    this.#record('submitted', call);
    return call;
  }

  #enqueue(task: AnyTask, calls: Call[], stream?: VirtualStream<unknown>): void {
    const job: Job = { task, calls, stream, started: false };
    this.#queue.push(job);
    for (const call of calls) {
      call.job = job;
      call.future.addDoneCallback((f) => {
        // Cancelled while pending: its spot is freed. (Running ones go through #interrupt.)
        if (!f.cancelled() || call.state !== 'queued') return;
        call.state = 'over';
        this.#record('cancelled', call);
        call.job.stream?.push({ kind: 'E', error: new CancelledError() });
        this.#dropIfEmpty(call.job);
      });
    }
    this.#scheduleDispatch();
  }

  #dropIfEmpty(job: Job): void {
    if (job.calls.some((c) => c.state !== 'over')) return;
    const i = this.#queue.indexOf(job);
    if (i >= 0) this.#queue.splice(i, 1);
    this.#checkIdle();
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

  // The job's message reaches a worker: its futures become running (once: a re-run keeps them running).
  #start(job: Job): void {
    const live = job.calls.filter((c) => {
      if (job.started) return c.state === 'running';
      if (c.state !== 'queued' || !c.future.setRunningOrNotifyCancel()) return false;
      c.state = 'running';
      c.future.setInterruptHandler(() => this.#interrupt(c));
      return true;
    });
    if (live.length === 0) return;
    job.calls = live;
    job.started = true;
    this.#running.add(job);
    if (job.stream !== undefined) return this.#runStream(job, live[0]);
    this.#runCalls(job);
  }

  // One call after another on this worker, each for its duration; the outcomes go back together.
  #runCalls(job: Job): void {
    const outcomes = new Map<Call, Settling>();
    let index = 0;
    const next = (): void => {
      while (index < job.calls.length && job.calls[index].state !== 'running') index += 1;
      const call = job.calls[index++];
      if (call === undefined) {
        job.current = undefined;
        for (const [c, result] of outcomes) this.#end(c, result.outcome!);
        return this.#release(job);
      }
      const result = this.#call(job, call, () => loadInProcess(job.task)(...call.args));
      outcomes.set(call, result);
      this.#after(job, call, result, 'the task', next);
    };
    next();
  }

  // A generator run: each next() is one step of one duration; its return takes no time.
  #runStream(job: Job, call: Call): void {
    const stream = job.stream!;
    const finish = (outcome: Outcome): void => {
      this.#end(call, outcome.ok ? { ok: true, value: undefined } : outcome);
      stream.push(outcome.ok ? { kind: 'C' } : { kind: 'E', error: outcome.error });
      this.#release(job);
    };
    const opened = this.#call(job, call, () => iterate(loadInProcess(job.task)(...call.args)));
    if (!opened.outcome!.ok) return this.#after(job, call, opened, 'the generator', () => finish(opened.outcome!));
    const iterator = opened.outcome!.value as Iterator<unknown> | AsyncIterator<unknown>;
    const step = (): void => {
      const next = settle(() => iterator.next());
      if (next.outcome?.ok && (next.outcome.value as IteratorResult<unknown>).done) return finish({ ok: true, value: undefined });
      this.#after(job, call, next, 'the generator', () => {
        const outcome = next.outcome!;
        if (!outcome.ok) return finish(outcome);
        const result = outcome.value as IteratorResult<unknown>;
        if (result.done) return finish({ ok: true, value: undefined });
        stream.push({ kind: 'N', value: result.value });
        step();
      });
    };
    step();
  }

  // Calls the task now: the call is the one this worker is executing.
  #call(job: Job, call: Call, run: () => unknown): Settling {
    job.current = call;
    call.executed = true;
    this.#record('started', call);
    return settle(run);
  }

  // After one duration (and, in real time, once `result` settles), `then()` — unless the worker was stopped.
  #after(job: Job, call: Call, result: Settling, what: string, then: () => void): void {
    let frames = 0;
    try {
      frames = this.#durationOf(job.task, call.args);
    } catch (error) {
      result.outcome = { ok: false, error };
    }
    const go = (): void => {
      if (!job.stopped) then();
    };
    job.action = this.#scheduler.schedule(() => {
      if (result.outcome !== undefined) return go();
      if (this.#virtual) {
        result.outcome = { ok: false, error: promiseInVirtualTime(what) };
        return go();
      }
      void result.settled!.then(() => this.#scheduler.schedule(go));
    }, frames);
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

  /**
   * cancel({ interrupt: true }) of a running future (already cancelled). As
   * in the thread pool: a call of a chunk the worker has not reached is
   * skipped; the call it is executing stops the worker, and the chunk's other
   * unfinished calls run again, first in line, on a fresh worker.
   */
  #interrupt(call: Call): void {
    const job = call.job;
    call.state = 'over';
    this.#record(call.executed ? 'interrupted' : 'cancelled', call);
    if (!this.#running.has(job) || job.current !== call) return this.#dropIfEmpty(job);
    job.action?.unsubscribe();
    this.#release(job);
    const rest = job.calls.filter((c) => c.state === 'running');
    if (rest.length === 0) return;
    const again: Job = { task: job.task, calls: rest, started: true };
    for (const c of rest) {
      c.job = again;
      c.executed = false;
    }
    this.#queue.unshift(again);
  }

  #release(job: Job): void {
    if (!this.#running.delete(job)) return;
    job.stopped = true;
    this.#scheduleDispatch();
    this.#checkIdle();
  }

  #checkIdle(): void {
    if (!this.#isShutdown || this.#running.size > 0 || this.#queue.length > 0) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}
