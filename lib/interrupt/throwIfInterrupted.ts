import { currentCallContext } from '../internal/callContext';

/**
 * Throws if the task call running the caller has been interrupted; a cheap
 * poll for synchronous CPU loops, which cannot see an abort event while
 * they run. On worker threads it reads a shared memory word the main thread
 * sets (no event loop needed, a few nanoseconds); elsewhere it reads
 * {@link currentAbortSignal}'s `aborted`. Outside a task call it never throws.
 *
 * What it throws is the signal's `reason` (an `AbortError`-like error); the
 * future is already `cancelled`, so whatever the task does with it is
 * ignored — let it propagate, after cleaning up in `finally`.
 *
 * @example
 * ```ts
 * // tasks.ts, run on a ThreadPoolExecutor
 * import { throwIfInterrupted } from 'rxfutures';
 * export function countPrimes(limit: number): number {
 *   let count = 0;
 *   for (let n = 2; n < limit; n++) {
 *     if ((n & 0xffff) === 0) throwIfInterrupted(); // every 65,536 numbers
 *     if (isPrime(n)) count++;
 *   }
 *   return count;
 * }
 * declare function isPrime(n: number): boolean;
 * ```
 * @see currentAbortSignal
 * @throws the signal's reason once the call is interrupted
 */
export function throwIfInterrupted(): void {
  const context = currentCallContext();
  if (context === undefined || !context.isInterrupted()) return;
  const { signal } = context;
  throw signal.aborted ? signal.reason : new DOMException('the task call was interrupted', 'AbortError');
}
