/**
 * A promise with a deadline, for the calls to Redis that may never be
 * answered (Redis gone, a client stuck reconnecting).
 */

/**
 * `promise`, or a rejection once `ms` have passed without it settling. The
 * timer is cleared either way, so it never holds the process open.
 * @example
 * ```ts
 * await withTimeout(queue.close(), 1000).catch(() => undefined);
 * ```
 * @throws (rejects with) Error `no answer within <ms> ms`
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
