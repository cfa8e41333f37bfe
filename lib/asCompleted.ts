import { TimeoutError } from './errors';
import type { Future } from './Future';
import { kAddWaiter, kRemoveWaiter } from './internal/symbols';
import { checkFutures, checkTimeout } from './internal/validate';
import { FirstCompletedWaiter } from './internal/waiters';

/** Options of {@link asCompleted}. */
export interface AsCompletedOptions {
  /** Milliseconds from the call; when it passes, the iterator throws `TimeoutError`. Omitted: no limit. */
  timeout?: number;
}

/**
 * Yields each distinct future once, as it completes (finished or
 * cancelled): those already done first, then in completion order — Python's
 * `as_completed`.
 *
 * It yields the Future itself, not its result (a Future is thenable, so this
 * is a hand-written iterator rather than an `async function*`).
 *
 * @example
 * ```ts
 * import { asCompleted } from 'rxfutures';
 * for await (const f of asCompleted(futures, { timeout: 10_000 })) {
 *   console.log(await f.result());
 * }
 * ```
 * @see wait
 * @param fs - the futures; duplicates are yielded once
 * @param options - `timeout` in ms, counted from this call
 * @returns an async iterator of futures
 * @throws `TypeError` for a non-future in `fs`, `RangeError` for a bad timeout;
 *   the iterator throws `TimeoutError('N (of M) futures unfinished')` on timeout
 */
export function asCompleted<T>(fs: Iterable<Future<T>>, options: AsCompletedOptions = {}): AsyncIterableIterator<Future<T>> {
  const futures = checkFutures(fs, 'asCompleted') as Future<T>[];
  const { timeout } = options;
  const badTimeout = checkTimeout(timeout, 'asCompleted: options.timeout');
  if (badTimeout) throw badTimeout;
  const deadline = timeout === undefined || timeout === null || timeout === Infinity ? undefined : Date.now() + timeout;
  const total = futures.length;

  // Done futures not yet handed out, in completion order.
  const ready: Future<T>[] = futures.filter((f) => f.done());
  // Futures still running or pending.
  const pending = new Set(futures.filter((f) => !f.done()));
  // A next() call waiting for the next completion.
  let wake: (() => void) | undefined;
  let closed = false;

  const waiter = new FirstCompletedWaiter(() => {
    const f = waiter.finished.shift() as Future<T>;
    pending.delete(f);
    ready.push(f);
    wake?.();
  });
  for (const f of pending) f[kAddWaiter](waiter);

  const close = (): void => {
    closed = true;
    for (const f of pending) f[kRemoveWaiter](waiter);
    wake?.();
  };

  const iterator: AsyncIterableIterator<Future<T>> = {
    async next(): Promise<IteratorResult<Future<T>>> {
      for (;;) {
        const f = ready.shift();
        if (f !== undefined) return { value: f, done: false };
        if (closed || pending.size === 0) {
          close();
          return { value: undefined, done: true };
        }
        const remaining = deadline === undefined ? undefined : deadline - Date.now();
        if (remaining !== undefined && remaining <= 0) {
          close();
          throw new TimeoutError(`${pending.size} (of ${total}) futures unfinished`);
        }
        await new Promise<void>((resolve) => {
          const timer = remaining === undefined ? undefined : setTimeout(resolve, remaining);
          wake = () => {
            if (timer !== undefined) clearTimeout(timer);
            wake = undefined;
            resolve();
          };
        });
      }
    },
    async return(): Promise<IteratorResult<Future<T>>> {
      close();
      ready.length = 0;
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return iterator;
}
