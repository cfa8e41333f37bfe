import { isMainThread, threadId } from 'node:worker_threads';

/**
 * The name of the thread running the caller: `'<threadNamePrefix>_<threadId>'`
 * inside a ThreadPoolExecutor worker, `'MainThread'` on the main thread
 * (Python's `threading.current_thread().name`).
 *
 * @example
 * ```ts
 * // in a task module
 * import { currentThreadName } from 'rxfutures';
 * export function whoAmI() { return currentThreadName(); } // 'ThreadPoolExecutor_3'
 * ```
 * @returns the thread's name
 */
export function currentThreadName(): string {
  const named = (globalThis as Record<symbol, unknown>)[Symbol.for('rxfutures.threadName')];
  if (typeof named === 'string') return named;
  return isMainThread ? 'MainThread' : `Thread_${threadId}`;
}
