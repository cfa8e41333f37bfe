import { AsyncLocalStorage } from 'node:async_hooks';

// One store per process, even if this module is loaded twice (a bundle and a test realm).
const kStorage = Symbol.for('rxfutures.abortSignalStorage');
const kNeverAborted = new AbortController().signal;

/** @internal The store AsyncExecutor runs each task in. */
export function abortSignalStorage(): AsyncLocalStorage<AbortSignal> {
  const g = globalThis as Record<symbol, AsyncLocalStorage<AbortSignal> | undefined>;
  return (g[kStorage] ??= new AsyncLocalStorage<AbortSignal>());
}

/**
 * The `AbortSignal` of the AsyncExecutor task that is running the caller:
 * it fires when the task's future is cancelled with `interrupt: true` (and
 * when an Rx subscription that submitted it unsubscribes). The signal
 * follows the task through `await`s, timers and callbacks
 * (AsyncLocalStorage), so even an arrow function can read it, at any depth.
 * Outside an AsyncExecutor task it returns a signal that never fires.
 *
 * A task that ignores its signal is not stopped: its future is cancelled at
 * once, but it keeps its place among the `maxWorkers` running ones until it
 * settles.
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
 * @see AsyncExecutor
 * @returns the running task's signal, or one that never fires
 */
export function currentAbortSignal(): AbortSignal {
  return abortSignalStorage().getStore() ?? kNeverAborted;
}
