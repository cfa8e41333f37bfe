/**
 * The context of the task call that is running: what `currentAbortSignal()`
 * and `throwIfInterrupted()` read, on every executor.
 *
 * Executors run each call inside {@link runInCall}. The context follows the
 * call through `await`s, timers and callbacks (AsyncLocalStorage), so a task
 * can read it at any depth. `isInterrupted` lets a synchronous CPU loop poll
 * without the event loop turning: on a worker thread it reads a
 * `SharedArrayBuffer` word that the main thread sets; elsewhere it reads the
 * signal.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** What an executor hands the task it runs. */
export interface CallContext {
  /** Aborts when the call is interrupted (`cancel({ interrupt: true })`, an unsubscribe). */
  readonly signal: AbortSignal;
  /**
   * True once the call has been interrupted, read without the event loop
   * (a shared memory word on worker threads). Should also abort `signal`
   * when it first sees the interrupt, so both agree.
   */
  isInterrupted(): boolean;
}

// One store per process, even if this module is loaded twice (a bundle and a test realm).
const kStorage = Symbol.for('rxfutures.callContextStorage');

/** The store every executor runs its calls in. */
export function callContextStorage(): AsyncLocalStorage<CallContext> {
  const g = globalThis as Record<symbol, AsyncLocalStorage<CallContext> | undefined>;
  return (g[kStorage] ??= new AsyncLocalStorage<CallContext>());
}

/** Runs `fn(a, b, c)` as (part of) the call whose context is `context`. */
export function runInCall<T, A = undefined, B = undefined, C = undefined>(context: CallContext, fn: (a: A, b: B, c: C) => T, a?: A, b?: B, c?: C): T {
  return callContextStorage().run(context, fn, a as A, b as B, c as C);
}

/** A context whose only interrupt source is the signal (in-process executors). */
export function signalContext(signal: AbortSignal): CallContext {
  return { signal, isInterrupted: () => signal.aborted };
}

// The context of a synchronous call running right now (see runSyncCall), per process like kStorage:
// a box found once on the global object, so a call writes a property of its own rather than a
// symbol-keyed one of the global object (a dictionary look-up each time).
const kSyncCall = Symbol.for('rxfutures.syncCall');
const syncCall: { current: CallContext | undefined } = ((globalThis as Record<symbol, { current: CallContext | undefined } | undefined>)[kSyncCall] ??= {
  current: undefined,
});

/**
 * Runs a call that is expected to be synchronous with `context` in a plain
 * global slot instead of AsyncLocalStorage: in Node 20 the first
 * `AsyncLocalStorage.run` enables promise hooks for the whole thread, which
 * every later promise pays for (a worker thread's round trip included).
 * What `fn` leaves for later (`await`, timers) does not see the context; use
 * {@link runInCall} for calls known to be asynchronous.
 */
export function runSyncCall<T, A = undefined, B = undefined, C = undefined>(context: CallContext, fn: (a: A, b: B, c: C) => T, a?: A, b?: B, c?: C): T {
  const outer = syncCall.current;
  syncCall.current = context;
  try {
    return fn(a as A, b as B, c as C);
  } finally {
    syncCall.current = outer;
  }
}

/** The running call's context, if any. */
export function currentCallContext(): CallContext | undefined {
  return syncCall.current ?? callContextStorage().getStore();
}
