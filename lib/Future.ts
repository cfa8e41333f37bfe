import { types } from 'node:util';
import { CancelledError, InvalidStateError, TimeoutError } from './errors';
import { checkTimeout } from './internal/validate';
import { kAddWaiter, kRemoveWaiter } from './internal/symbols';
import { FirstCompletedWaiter, startTimer, type Waiter } from './internal/waiters';

/**
 * The states of a Future, as in CPython's `_base.py`.
 *
 * - `'pending'`: submitted, not started; `cancel()` succeeds.
 * - `'running'`: a worker has it; only `cancel({ interrupt: true })` stops it.
 * - `'cancelled'`: cancelled by the user. Terminal; waiters were told at once
 *   (CPython's CANCELLED and CANCELLED_AND_NOTIFIED are one state here).
 * - `'finished'`: has a result or an exception. Terminal.
 *
 * @example
 * ```ts
 * const f = new Future<number>();
 * f.state; // 'pending'
 * ```
 */
export type FutureState = 'pending' | 'running' | 'cancelled' | 'finished';

/**
 * The state table: the states each state may move to. Every change of state
 * goes through `#transition`, which throws `InvalidStateError` for anything
 * not listed here.
 */
const kTransitions: Readonly<Record<FutureState, readonly FutureState[]>> = {
  pending: ['running', 'cancelled', 'finished'],
  // 'cancelled' only through cancel({ interrupt: true }) with an interrupt handler set.
  running: ['cancelled', 'finished'],
  // setRunningOrNotifyCancel() answers false here instead of moving.
  cancelled: [],
  finished: [],
};

/**
 * Options of {@link Future.cancel}.
 *
 * @example
 * ```ts
 * future.cancel({ interrupt: true }); // also stop it if it is running
 * ```
 */
export interface CancelOptions {
  /**
   * Also stop a task that is already running, where the executor can (the
   * thread pool terminates and replaces the worker).
   * @default false
   */
  interrupt?: boolean;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

// A future's outcome promise and, until it settles, how to settle it.
interface Deferred {
  promise: Promise<any>;
  resolve?: (value: any) => void;
  reject?: (reason: unknown) => void;
}

let nextId = 1;

/**
 * A handle on work that runs elsewhere: Python's `concurrent.futures.Future`,
 * also a `PromiseLike` so `await future` gives its result.
 *
 * A Future never causes an `unhandledRejection` by itself: a failed future
 * nobody awaits stays quiet.
 *
 * @example
 * ```ts
 * import { ThreadPoolExecutor } from 'rxfutures';
 * const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
 * const f = pool.submit((n: number) => n * 2, 21);
 * f.addDoneCallback((done) => console.log(done.state)); // 'finished'
 * console.log(await f); // 42
 * await pool.shutdown();
 * ```
 * @typeParam T - the type of the result
 */
export class Future<T = unknown> implements PromiseLike<T> {
  #state: FutureState = 'pending';
  #outcome: Outcome<T> | undefined;
  // `any` keeps Future<T> covariant in T (Future<number> is a Future<unknown>).
  // Both collections are created on first use: most futures of a busy pool
  // never get a callback or a waiter, and 100,000 empty arrays and Sets are
  // garbage the collector has to walk.
  #callbacks: Array<(f: Future<any>) => void> | undefined;
  // wait(), asCompleted() and pending result()/exception() calls.
  #waiters: Set<Waiter> | undefined;
  // Shared by every `await`, then(), result() and exception() without a timeout: a promise that
  // settles with the outcome itself, so awaiting a future costs one native promise reaction. Made on
  // first use only, by a caller that attaches to it at once: a failed future nobody awaits rejects
  // nothing. `any` as for #callbacks.
  #deferred: Deferred | undefined;
  #interruptHandler: ((future: Future<any>) => void) | undefined;
  readonly #id = nextId++;

  /** The current state: `'pending' | 'running' | 'cancelled' | 'finished'`. */
  get state(): FutureState {
    return this.#state;
  }

  /**
   * Attempts to cancel the work.
   *
   * A pending future becomes `cancelled` and `true` is returned. A running or
   * finished one is left alone and `false` is returned — unless
   * `interrupt: true` is passed and the executor can stop a running task
   * (the thread pool terminates and replaces the worker): then it becomes
   * `cancelled` and `true` is returned. Cancelling twice returns `true`.
   *
   * @example
   * ```ts
   * const f = pool.submit(slowTask);
   * f.cancel();                       // true if still queued
   * f.cancel({ interrupt: true });    // true even if it was running
   * ```
   * @param options - `{ interrupt?: boolean }`
   * @returns whether the future is now cancelled
   */
  cancel(options?: CancelOptions): boolean {
    switch (this.#state) {
      case 'cancelled':
        return true;
      case 'finished':
        return false;
      case 'running': {
        const interrupt = this.#interruptHandler;
        if (options?.interrupt !== true || interrupt === undefined) return false;
        this.#transition('cancelled');
        // The executor stops the task after the future is already cancelled,
        // so whatever the dying task reports afterwards is ignored.
        invokeReported(() => interrupt(this), 'an interrupt handler');
        return true;
      }
      case 'pending':
        this.#transition('cancelled');
        return true;
    }
  }

  /**
   * @returns true if the future was cancelled
   * @example
   * ```ts
   * f.cancel(); f.cancelled(); // true
   * ```
   */
  cancelled(): boolean {
    return this.#state === 'cancelled';
  }

  /**
   * @returns true if a worker is running the task right now
   * @example
   * ```ts
   * if (f.running()) console.log('busy');
   * ```
   */
  running(): boolean {
    return this.#state === 'running';
  }

  /**
   * @returns true if the future is cancelled or finished
   * @example
   * ```ts
   * await f; f.done(); // true
   * ```
   */
  done(): boolean {
    return this.#state === 'cancelled' || this.#state === 'finished';
  }

  /**
   * Waits for the result.
   *
   * @example
   * ```ts
   * const value = await f.result(1000); // at most one second
   * ```
   * @param timeout - milliseconds to wait; omitted or `undefined` waits forever
   * @returns the task's value
   * @throws the task's own exception; `CancelledError` if cancelled;
   *   `TimeoutError` if not done in time (the future is unaffected);
   *   `RangeError` for a negative or NaN timeout
   */
  result(timeout?: number): Promise<T> {
    if (timeout === undefined) return this.#outcomePromise();
    return this.#waitDone(timeout).then(() => this.resultNow());
  }

  /**
   * Waits for the future and returns its stored exception, or `undefined`
   * if it finished with a value.
   *
   * @example
   * ```ts
   * const err = await f.exception();
   * if (err) console.error(err);
   * ```
   * @param timeout - milliseconds to wait; omitted waits forever
   * @returns the exception the task threw, or `undefined`
   * @throws `CancelledError` if cancelled; `TimeoutError` if not done in time
   */
  exception(timeout?: number): Promise<unknown> {
    if (timeout === undefined) return this.#outcomePromise().then(() => undefined, () => this.exceptionNow());
    return this.#waitDone(timeout).then(() => this.exceptionNow());
  }

  /**
   * Calls `fn(future)` once when the future is done — at once if it already
   * is. Callbacks run in the order they were added. An exception thrown by
   * `fn` is reported through `process.emitWarning` and breaks nothing.
   *
   * @example
   * ```ts
   * f.addDoneCallback((done) => console.log(done.state));
   * ```
   * @param fn - the callback
   */
  addDoneCallback(fn: (future: Future<T>) => void): void {
    if (typeof fn !== 'function') throw new TypeError('addDoneCallback: fn must be a function');
    if (this.done()) {
      invokeCallback(fn, this);
    } else {
      (this.#callbacks ??= []).push(fn);
    }
  }

  /**
   * Removes every registration of `fn` that has not run yet.
   *
   * @example
   * ```ts
   * f.addDoneCallback(log); f.removeDoneCallback(log); // 1
   * ```
   * @returns how many were removed
   */
  removeDoneCallback(fn: (future: Future<T>) => void): number {
    const callbacks = this.#callbacks;
    if (callbacks === undefined) return 0;
    this.#callbacks = callbacks.filter((cb) => cb !== fn);
    return callbacks.length - this.#callbacks.length;
  }

  /**
   * A Future is `PromiseLike`: `await future` is `await future.result()`.
   *
   * @example
   * ```ts
   * const value = await pool.submit(task, 1);
   * ```
   */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#outcomePromise().then(onfulfilled, onrejected);
  }

  /**
   * The result, synchronously, of a done future (Java 19's `resultNow`).
   *
   * @example
   * ```ts
   * if (f.done()) console.log(f.resultNow());
   * ```
   * @returns the value
   * @throws `InvalidStateError` if not done; otherwise exactly what
   *   `result()` would reject with: the task's exception, or `CancelledError`
   */
  resultNow(): T {
    const outcome = this.#terminalOutcome('resultNow');
    if (outcome.ok) return outcome.value;
    throw outcome.error;
  }

  /**
   * The stored exception, synchronously, of a done future, or `undefined` if
   * it finished with a value.
   *
   * @example
   * ```ts
   * if (f.done() && !f.cancelled()) console.log(f.exceptionNow());
   * ```
   * @returns the exception the task threw, or `undefined`
   * @throws `InvalidStateError` if not done; `CancelledError` if cancelled
   *   (as `exception()` rejects with it)
   */
  exceptionNow(): unknown {
    const outcome = this.#terminalOutcome('exceptionNow');
    return outcome.ok ? undefined : outcome.error;
  }

  /**
   * CPython's repr: the state, and for a finished future the type of what
   * it returned or raised.
   *
   * @example
   * ```ts
   * String(pool.submit(() => 42)); // '<Future#5 state=pending>'
   * // once done: '<Future#5 state=finished returned number>'
   * // a failure: '<Future#6 state=finished raised TypeError>'
   * ```
   * @returns `<Future#N state=S>`, with `returned T` or `raised E` when finished
   */
  toString(): string {
    const outcome = this.#outcome;
    if (this.#state !== 'finished' || outcome === undefined) return `<Future#${this.#id} state=${this.#state}>`;
    const what = outcome.ok ? `returned ${typeName(outcome.value)}` : `raised ${errorName(outcome.error)}`;
    return `<Future#${this.#id} state=finished ${what}>`;
  }

  // ---------------------------------------------------------------------
  // For Executor implementations and tests only.
  // ---------------------------------------------------------------------

  /**
   * Marks the future running, or reports that it was cancelled. Executors
   * call it just before running the task: `if (!f.setRunningOrNotifyCancel()) return;`
   *
   * @example
   * ```ts
   * const f = new Future<number>();
   * if (f.setRunningOrNotifyCancel()) f.setResult(work());
   * ```
   * @returns false if the future was cancelled (do not run the task), true if it is now running
   * @throws `InvalidStateError` if the future is already running or finished
   */
  setRunningOrNotifyCancel(): boolean {
    if (this.#state === 'cancelled') return false;
    this.#transition('running');
    return true;
  }

  /**
   * Sets the result and wakes every waiter and callback.
   *
   * @example
   * ```ts
   * const f = new Future<number>(); f.setResult(42); await f; // 42
   * ```
   * @throws `InvalidStateError` if the future is already cancelled or finished
   */
  setResult(value: T): void {
    this.#transition('finished', { ok: true, value });
  }

  /**
   * Sets the exception and wakes every waiter and callback.
   *
   * @example
   * ```ts
   * const f = new Future(); f.setException(new Error('boom'));
   * await f.exception(); // Error: boom
   * ```
   * @throws `InvalidStateError` if the future is already cancelled or finished
   */
  setException(error: unknown): void {
    this.#transition('finished', { ok: false, error });
  }

  /**
   * Tells the future how its executor stops the running task, which enables
   * `cancel({ interrupt: true })`. Called once, when the task starts running;
   * the handler runs at most once, after the future is already cancelled.
   * Ignored once the future is done. Pass `undefined` to withdraw it. The
   * handler is given the future, so one handler can serve many futures.
   *
   * @example
   * ```ts
   * if (f.setRunningOrNotifyCancel()) f.setInterruptHandler(() => controller.abort());
   * ```
   */
  setInterruptHandler(handler: ((future: Future<T>) => void) | undefined): void {
    if (this.done()) return;
    this.#interruptHandler = handler;
  }

  /** @internal Registers a waiter (wait/asCompleted). */
  [kAddWaiter](waiter: Waiter): void {
    (this.#waiters ??= new Set()).add(waiter);
  }

  /** @internal Unregisters a waiter. */
  [kRemoveWaiter](waiter: Waiter): void {
    this.#waiters?.delete(waiter);
  }

  // The one guarded change of state (CPython's `set_result` guard, for every
  // move): anything kTransitions does not list is an InvalidStateError.
  #transition(to: FutureState, outcome?: Outcome<T>): void {
    if (!kTransitions[this.#state].includes(to)) {
      throw new InvalidStateError(`${this.#state}: ${this}`);
    }
    this.#state = to;
    if (to === 'running') return;
    this.#outcome = outcome;
    this.#interruptHandler = undefined;
    const waiters = this.#waiters;
    this.#waiters = undefined;
    if (waiters !== undefined) {
      for (const waiter of waiters) {
        if (to === 'cancelled') waiter.addCancelled(this);
        else if (outcome?.ok) waiter.addResult(this);
        else waiter.addException(this);
      }
    }
    const deferred = this.#deferred;
    if (deferred?.resolve !== undefined) {
      const { resolve, reject } = deferred;
      deferred.resolve = deferred.reject = undefined;
      if (to === 'cancelled') reject!(new CancelledError());
      else if (outcome!.ok) resolve(outcome!.value);
      else reject!(outcome!.error);
    }
    const callbacks = this.#callbacks;
    this.#callbacks = undefined;
    if (callbacks !== undefined) for (const cb of callbacks) invokeCallback(cb, this);
  }

  // The promise of the outcome (see #deferred).
  #outcomePromise(): Promise<T> {
    if (this.#deferred !== undefined) return this.#deferred.promise;
    if (this.done()) {
      let promise: Promise<T>;
      try {
        promise = Promise.resolve(this.resultNow());
      } catch (error) {
        promise = Promise.reject(error);
      }
      this.#deferred = { promise };
      return promise;
    }
    const deferred: Deferred = { promise: undefined as never };
    deferred.promise = new Promise<T>((resolve, reject) => {
      deferred.resolve = resolve;
      deferred.reject = reject;
    });
    this.#deferred = deferred;
    return deferred.promise;
  }

  // The stored outcome of a finished future. A cancelled one has none: both
  // resultNow() and exceptionNow() throw CancelledError, as result() and
  // exception() reject with it (Python's exception() raises it too).
  #terminalOutcome(method: string): Outcome<T> {
    if (this.#state === 'cancelled') throw new CancelledError();
    if (this.#state !== 'finished' || this.#outcome === undefined) {
      throw new InvalidStateError(`${method}() called on a future that is not done: ${this}`);
    }
    return this.#outcome;
  }

  // Resolves (never rejects) when done, or rejects with TimeoutError. A
  // waiter, like wait() uses, so an expired call lets go of the future.
  #waitDone(timeout: number | undefined): Promise<void> {
    const bad = checkTimeout(timeout, 'timeout');
    if (bad) return Promise.reject(bad);
    if (this.done()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let stopTimer: (() => void) | undefined;
      const waiter = new FirstCompletedWaiter(() => {
        stopTimer?.();
        resolve();
      });
      (this.#waiters ??= new Set()).add(waiter);
      if (timeout === undefined || timeout === null) return;
      stopTimer = startTimer(timeout, () => {
        this.#waiters?.delete(waiter);
        reject(new TimeoutError(`future not done within ${timeout} ms: ${this}`));
      });
    });
  }
}

/** The longest type name a repr shows (a hostile `name` could be megabytes). */
const kMaxTypeName = 64;

/**
 * The type of a value, as CPython's `type(result).__name__`: `number`,
 * `string`, `null`, `undefined`, or the class of an object (`Object`,
 * `Array`, `Map`). Never throws (Proxies, throwing getters).
 */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object' && typeof value !== 'function') return typeof value;
  try {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === null) return 'Object';
    const name: unknown = (proto as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' ? name.slice(0, kMaxTypeName) : typeof value;
  } catch {
    return typeof value;
  }
}

/**
 * The class of a raised exception: its `name` (which survives the trip from
 * a worker, where the class may not), else {@link typeName}. Never throws.
 */
function errorName(error: unknown): string {
  if (error !== null && typeof error === 'object') {
    try {
      const name: unknown = (error as { name?: unknown }).name;
      if (typeof name === 'string' && name !== '') return name.slice(0, kMaxTypeName);
    } catch {
      // A throwing `name` getter: fall back to the class.
    }
  }
  return typeName(error);
}

function invokeCallback<T>(fn: (f: Future<T>) => void, future: Future<T>): void {
  invokeReported(() => fn(future), 'a done callback');
}

/**
 * Calls user code that must not break the future: what it throws is reported
 * as a warning, and so is the rejection of the promise an `async` callback
 * returns (dropping it would be an unhandledRejection of our making).
 */
function invokeReported(fn: () => unknown, what: string): void {
  let returned: unknown;
  try {
    returned = fn();
  } catch (err) {
    reportCallbackError(err, `${what} threw`);
    return;
  }
  if (types.isPromise(returned)) returned.then(undefined, (err: unknown) => reportCallbackError(err, `${what} rejected`));
}

/** Reports a callback's failure as a process warning of type RxFuturesCallbackWarning. */
function reportCallbackError(err: unknown, what: string): void {
  let detail: string;
  try {
    const stack = (err as { stack?: unknown } | null | undefined)?.stack;
    detail = typeof stack === 'string' ? stack : String(err);
  } catch {
    // Object.create(null), a throwing toString or stack getter: the report itself must not throw.
    detail = Object.prototype.toString.call(err);
  }
  process.emitWarning(`rxfutures: ${what}: ${detail}`, { type: 'RxFuturesCallbackWarning' });
}
