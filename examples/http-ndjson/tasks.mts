/**
 * The task module the server runs on its worker threads. Worker-side
 * code only: it is loaded by URL (import.meta.resolve in server.ts), never
 * imported by the app at run time.
 */
import { throwIfInterrupted } from 'rxfutures';

// Calls started since the pool began, across every worker: shared memory, installed once per worker
// by the pool's initializer, so the app (and its test) can see the work start.
let started: Int32Array | undefined;

/** The pool's initializer: every worker counts the calls it starts into the same shared counter. */
export function shareCounter(buffer: SharedArrayBuffer): void {
  started = new Int32Array(buffer);
}

/**
 * Whether `n` is prime, by trial division: deliberately CPU-bound, so a
 * 27-digit prime keeps a worker busy for much longer than anyone waits. It
 * asks `throwIfInterrupted()` every 100 000 divisions, so an interrupted call
 * (the client left) can end by itself and keep its worker; where the pool
 * cannot ask, it terminates the worker instead.
 */
export function isPrime(n: bigint): boolean {
  if (started !== undefined) {
    Atomics.add(started, 0, 1);
    Atomics.notify(started, 0);
  }
  if (n < 2n) return false;
  if (n % 2n === 0n) return n === 2n;
  let sincePoll = 0;
  for (let d = 3n; d * d <= n; d += 2n) {
    if (n % d === 0n) return false;
    if (++sincePoll === 100_000) {
      sincePoll = 0;
      throwIfInterrupted();
    }
  }
  return true;
}
