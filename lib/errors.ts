/**
 * The error classes of rxfutures, shaped after Python's `concurrent.futures`:
 *
 * ```
 * Error
 *  ├─ CancelledError      the future was cancelled
 *  ├─ TimeoutError        result()/exception()/asCompleted() waited too long
 *  ├─ InvalidStateError   an illegal Future transition (setResult twice, …)
 *  ├─ ShutdownError       submit() after shutdown()
 *  ├─ DataCloneError      an argument or result cannot cross the thread boundary
 *  └─ BrokenExecutor      the executor can no longer run tasks
 *      ├─ BrokenThreadPool    a thread pool's initializer failed
 *      ├─ BrokenProcessPool   a process pool lost a worker process
 *      └─ WorkerExitError     a worker died under a task (the pool heals)
 * ```
 *
 * Every class has a fixed `name`, so errors can be told apart across realms
 * (Jest, worker threads) where `instanceof` may not hold.
 *
 * @example
 * ```ts
 * import { CancelledError, TimeoutError as FutureTimeoutError } from 'rxfutures';
 * try { await future.result(100); }
 * catch (e) { if (e instanceof FutureTimeoutError) console.log('still running'); }
 * ```
 * @module
 */

/**
 * The future was cancelled; thrown by `result()` and `exception()`.
 *
 * @example
 * ```ts
 * future.cancel();
 * await future.result().catch((e) => e instanceof CancelledError); // true
 * ```
 */
export class CancelledError extends Error {
  override readonly name: string = 'CancelledError';
  constructor(message = 'the future was cancelled', options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * An operation did not finish within its `timeout`. The future it waited on
 * is unaffected. Not the same class as RxJS's `TimeoutError`: import it under
 * an alias where both are used (`import { TimeoutError as FutureTimeoutError }`).
 *
 * @example
 * ```ts
 * await future.result(50).catch((e) => e.name); // 'TimeoutError' if still running
 * ```
 */
export class TimeoutError extends Error {
  override readonly name: string = 'TimeoutError';
  constructor(message = 'the operation timed out', options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * An operation is not allowed in the future's current state, e.g.
 * `setResult` on a finished future or `resultNow()` on a pending one.
 *
 * @example
 * ```ts
 * const f = new Future<number>();
 * f.resultNow(); // throws InvalidStateError: resultNow() called on a future that is not done: <Future#1 pending>
 * ```
 */
export class InvalidStateError extends Error {
  override readonly name: string = 'InvalidStateError';
  constructor(message = 'invalid state', options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * `submit` (or `map`, `stream`) was called after `shutdown()`.
 *
 * @example
 * ```ts
 * void pool.shutdown();
 * pool.submit(fn); // throws ShutdownError: cannot schedule new futures after shutdown
 * ```
 */
export class ShutdownError extends Error {
  override readonly name: string = 'ShutdownError';
  constructor(message = 'cannot schedule new futures after shutdown', options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * An argument or a result cannot be structured-cloned across the thread
 * boundary (a function, a symbol, a socket, …). The message names the culprit.
 * Only the one future fails; the executor keeps serving.
 *
 * @example
 * ```ts
 * await pool.submit(fn, { cb: () => 1 }).catch((e) => e.message);
 * // 'argument 0 cannot be cloned: args[0].cb is a function'
 * ```
 */
export class DataCloneError extends Error {
  override readonly name: string = 'DataCloneError';
  constructor(message = 'the value cannot be cloned', options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * The executor can no longer run tasks. Python's `BrokenExecutor`; see its
 * subclasses for the concrete causes.
 *
 * @example
 * ```ts
 * if (err instanceof BrokenExecutor) restartService();
 * ```
 */
export class BrokenExecutor extends Error {
  override readonly name: string = 'BrokenExecutor';
  constructor(message = 'the executor is broken', options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * A thread pool whose `initializer` threw: pending futures fail with it and
 * every later `submit` throws it.
 *
 * @example
 * ```ts
 * const pool = new ThreadPoolExecutor({ initializer: () => { throw new Error('no db'); } });
 * await pool.submit(fn).catch((e) => e.name); // 'BrokenThreadPool'
 * ```
 */
export class BrokenThreadPool extends BrokenExecutor {
  override readonly name: string = 'BrokenThreadPool';
  constructor(message = 'a thread initializer failed, the thread pool is not usable anymore', options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * A process pool lost a worker process (killed, or exited) and is not usable
 * anymore, as in Python.
 *
 * @example
 * ```ts
 * await future.result().catch((e) => e instanceof BrokenProcessPool);
 * ```
 */
export class BrokenProcessPool extends BrokenExecutor {
  override readonly name: string = 'BrokenProcessPool';
  constructor(
    message = 'a process in the process pool was terminated abruptly while the future was running or pending',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * A worker died under a task (`process.exit`, an uncaught error outside the
 * task, `resourceLimits` exceeded). Only that task's future fails; the worker
 * is replaced and the pool keeps serving. `cause` holds what the worker died of.
 *
 * @example
 * ```ts
 * await pool.submit(() => process.exit(3)).catch((e) => e.message);
 * // 'the worker running this task exited: worker exited with code: 3'
 * ```
 */
export class WorkerExitError extends BrokenExecutor {
  override readonly name: string = 'WorkerExitError';
  constructor(message = 'the worker running this task exited', options?: ErrorOptions) {
    super(message, options);
  }
}
