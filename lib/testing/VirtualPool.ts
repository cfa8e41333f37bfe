/**
 * VirtualExecutor's engine: worker slots on a scheduler's clock. It queues
 * jobs, gives them slots in FIFO order, runs their calls for `duration`
 * frames each, handles cancel and interrupt as the thread pool does, and
 * writes every step to the log. Checking input and shutting down stay in
 * the facade (VirtualExecutor.ts).
 */
import { VirtualTimeScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { CancelledError } from '../errors';
import { runInCall, signalContext } from '../internal/callContext';
import { Future } from '../Future';
import type { Task } from '../Task';
import { describe } from '../internal/validate';
import { iterate, loadInProcess, promiseInVirtualTime, settle, type Outcome, type Settling } from '../internal/inProcess';
import type { VirtualEvent, VirtualLogEntry } from './VirtualLogEntry';
import type { VirtualStream } from './VirtualStream';

const kOneDayMs = 86_400_000;

/**
 * What the pool runs: a function (closures are fine) or a module Task.
 * @example
 * ```ts
 * pool.enqueue(task as AnyTask, calls);
 * ```
 * @internal
 */
export type AnyTask = Task | ((...args: unknown[]) => unknown);

/**
 * One call: its future and where it is in its life.
 * @example
 * ```ts
 * const call: Call = pool.newCall([1, 2]);
 * call.future.cancel();
 * ```
 * @internal
 */
export interface Call {
  readonly id: number;
  readonly args: unknown[];
  readonly future: Future<unknown>;
  // queued: pending; running: its message reached a worker; over: its future is done.
  state: 'queued' | 'running' | 'over';
  // Its function was called in the current run (so a cancel now is an interrupt).
  executed: boolean;
  // The job it is in (a new one when a stopped chunk is re-run).
  job: Job;
  // What `currentAbortSignal()` returns inside its current run; aborted when it is interrupted.
  controller?: AbortController;
}

/**
 * RxJS's `SubscriptionLog` (what `expectSubscriptions` compares): the class
 * is not exported from `rxjs/testing`, so it is named through the public
 * `TestScheduler.parseMarblesAsSubscriptions`, which returns one.
 * @example
 * ```ts
 * const logs: SubscriptionLog[] = executor.subscriptionsOf(task);
 * ```
 */
export type SubscriptionLog = ReturnType<typeof TestScheduler.parseMarblesAsSubscriptions>;
const SubscriptionLogClass = TestScheduler.parseMarblesAsSubscriptions('^').constructor as new (
  subscribedFrame: number,
  unsubscribedFrame?: number,
) => SubscriptionLog;


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
 * The engine behind VirtualExecutor (see the module comment). The facade
 * has checked its arguments; the pool trusts them.
 * @example
 * ```ts
 * const pool = new VirtualPool(testScheduler, 2, () => 3);
 * const calls = [pool.newCall([2]), pool.newCall([3])];
 * pool.enqueue((n: number) => n * n, calls);
 * ```
 * @internal
 */
export class VirtualPool {
  readonly #scheduler: SchedulerLike;
  readonly #maxWorkers: number;
  readonly #duration: (task: Task | Function, args: readonly unknown[]) => number;
  // A VirtualTimeScheduler (TestScheduler) given explicitly: virtual time cannot wait for real promises.
  readonly #virtual: boolean;
  readonly #log: VirtualLogEntry[] = [];
  // Each call's life as a subscription, from submission to its end, by call id (subscriptionsOf).
  readonly #spans = new Map<number, SubscriptionLog>();
  // The same logs, live arrays by task and for every call, in submission order, as ColdObservable.subscriptions.
  readonly #spansByTask = new Map<unknown, SubscriptionLog[]>();
  readonly #allSpans: SubscriptionLog[] = [];
  // Jobs waiting for a slot, FIFO.
  readonly #queue: Job[] = [];
  // Jobs holding a slot.
  readonly #running = new Set<Job>();
  // Resolvers of whenIdle() calls (shutdown({ wait: true })), run once idle.
  readonly #idleWaiters: Array<() => void> = [];
  #nextId = 1;
  #dispatchPending = false;

  constructor(scheduler: SchedulerLike, maxWorkers: number, duration: (task: Task | Function, args: readonly unknown[]) => number) {
    this.#scheduler = scheduler;
    this.#maxWorkers = maxWorkers;
    this.#duration = duration;
    this.#virtual = scheduler instanceof VirtualTimeScheduler;
  }

  /** Every submission, start, end, cancellation and interrupt so far, in order. */
  get log(): readonly VirtualLogEntry[] {
    return this.#log;
  }

  /**
   * Each call of `task` (every call if omitted), in submission order, as a
   * subscription from its submission to its end (`Infinity` while it has not
   * ended). A live array, filled as calls are made, like
   * `ColdObservable.subscriptions`: `expectSubscriptions` reads it at flush.
   */
  subscriptionsOf(task?: unknown): SubscriptionLog[] {
    if (task === undefined) return this.#allSpans;
    let logs = this.#spansByTask.get(task);
    if (logs === undefined) this.#spansByTask.set(task, (logs = []));
    return logs;
  }

  /** A new queued call with the next id, logged as `submitted`. */
  newCall(args: unknown[]): Call {
    const call: Call = { id: this.#nextId++, args, future: new Future<unknown>(), state: 'queued', executed: false, job: undefined! };
    this.#record('submitted', call);
    return call;
  }

  /** Queues `calls` as one job (one worker slot); with `stream`, a generator run that pushes its yields there. */
  enqueue(task: AnyTask, calls: Call[], stream?: VirtualStream<unknown>): void {
    const job: Job = { task, calls, stream, started: false };
    this.#queue.push(job);
    for (const call of calls) {
      call.job = job;
      const span = new SubscriptionLogClass(this.#scheduler.now());
      this.#spans.set(call.id, span);
      this.#allSpans.push(span);
      this.subscriptionsOf(task).push(span);
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

  /** Cancels every call still waiting for a slot (shutdown's `cancelFutures`). */
  cancelQueued(): void {
    for (const job of [...this.#queue]) for (const call of job.calls) call.future.cancel();
  }

  /** Resolves once no job is queued or running. */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
      this.#checkIdle();
    });
  }

  #record(event: VirtualEvent, call: Call): void {
    const time = this.#scheduler.now();
    this.#log.push({ time, event, id: call.id, args: call.args });
    const span = this.#spans.get(call.id);
    if (span !== undefined && event !== 'submitted' && event !== 'started' && span.unsubscribedFrame === Infinity) span.unsubscribedFrame = time;
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
      while (this.#running.size < this.#maxWorkers && this.#queue.length > 0) this.#start(this.#queue.shift()!);
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
      const next = settle(() => this.#inCall(call, () => iterator.next()));
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

  // Calls the task now: the call is the one this worker is executing, with a fresh signal for this run.
  #call(job: Job, call: Call, run: () => unknown): Settling {
    job.current = call;
    call.executed = true;
    call.controller = new AbortController();
    this.#record('started', call);
    return settle(() => this.#inCall(call, run));
  }

  // Runs `fn` as part of the call, so currentAbortSignal() and throwIfInterrupted() see its signal.
  #inCall<T>(call: Call, fn: () => T): T {
    return runInCall(signalContext(call.controller!.signal), fn);
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
      if (this.#isVirtual()) {
        result.outcome = { ok: false, error: promiseInVirtualTime(what) };
        return go();
      }
      void result.settled!.then(() => this.#scheduler.schedule(go));
    }, frames);
  }

  // Virtual time: a VirtualTimeScheduler, or the default asyncScheduler inside TestScheduler.run(), whose
  // clock then reads frames (0, 1, 2…) — a clock more than a day away from the wall clock is not real time.
  #isVirtual(): boolean {
    return this.#virtual || Math.abs(this.#scheduler.now() - Date.now()) > kOneDayMs;
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
    if (call.executed) call.controller?.abort(new CancelledError('the task was interrupted'));
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

  // Waiters come only from shutdown({ wait: true }), so idleness needs no shutdown flag here.
  #checkIdle(): void {
    if (this.#running.size > 0 || this.#queue.length > 0) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}
