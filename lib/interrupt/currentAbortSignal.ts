import { currentCallContext } from '../internal/callContext';

const kNeverAborted = new AbortController().signal;

/**
 * The `AbortSignal` of the task call that is running the caller, on every
 * executor (thread pool, process pool, AsyncExecutor, queue worker,
 * VirtualExecutor): it aborts when the call is interrupted —
 * `future.cancel({ interrupt: true })`, or an Rx subscription that submitted
 * it unsubscribing. Hand it to `fetch`, streams, timers and `events.once` so
 * they stop, and clean up in `finally`. The signal follows the call through
 * `await`s, timers and callbacks (AsyncLocalStorage), so it can be read at
 * any depth. Outside a task call it returns a signal that never aborts.
 *
 * A task that honours the signal and ends within the executor's
 * `interruptGraceMs` keeps its worker; one that ignores it is stopped by
 * force where the executor can (thread and process pools) — see
 * docs/thread-pool.md, "Writing interruptible tasks". A synchronous loop
 * cannot see an abort event while it runs: poll {@link throwIfInterrupted}.
 *
 * @example
 * ```ts
 * import { AsyncExecutor, currentAbortSignal } from 'rxfutures';
 * const io = new AsyncExecutor({ maxWorkers: 8 });
 * const f = io.submit(async (url: string) => {
 *   const res = await fetch(url, { signal: currentAbortSignal() });
 *   return res.text();
 * }, 'https://example.org/');
 * f.cancel({ interrupt: true }); // aborts the fetch
 * ```
 * @see throwIfInterrupted
 * @returns the running call's signal, or one that never aborts
 */
export function currentAbortSignal(): AbortSignal {
  return currentCallContext()?.signal ?? kNeverAborted;
}
