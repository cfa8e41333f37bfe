import { TimeoutError } from './errors';
import type { Future } from './Future';
import { kAddWaiter, kRemoveWaiter } from './internal/symbols';
import { checkFutures } from './checkFutures';
import { checkTimeout } from './internal/validate';
import { AsCompletedWaiter, startTimer } from './internal/waiters';

/** Drops what a settled step held. */
const kForget = (): void => undefined;

/**
 * Options of {@link asCompleted}.
 *
 * @example
 * ```ts
 * asCompleted(futures, { timeout: 10_000 } satisfies AsCompletedOptions);
 * ```
 */
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
 * is a hand-written iterator rather than an `async function*`). `break` (or
 * `return()`) stops it and lets go of the futures; nothing is cancelled.
 *
 * TypeScript types the variable of `for await (const f of …)` as the
 * *awaited* element, which for a thenable Future is its result type `T`,
 * although at run time `f` is the Future. Cast it, or loop over `next()`.
 *
 * @example
 * ```ts
 * import { asCompleted, type Future } from 'rxfutures';
 * for await (const done of asCompleted(futures, { timeout: 10_000 })) {
 *   const f = done as unknown as Future<number>; // see above
 *   console.log(f.exceptionNow() ?? f.resultNow());
 * }
 * ```
 * @example
 * ```ts
 * const it = asCompleted(futures);
 * for (let r = await it.next(); !r.done; r = await it.next()) {
 *   console.log(await r.value.result()); // r.value: Future<number>
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
  // performance.now() is monotonic: a wall-clock jump cannot move the deadline.
  const deadline = timeout === undefined || timeout === null ? Infinity : performance.now() + timeout;
  const total = futures.length;

  // Done futures not yet handed out, in completion order (those done at the call first).
  const ready: Future<T>[] = futures.filter((f) => f.done());
  // Futures still running or pending.
  const pending = new Set(futures.filter((f) => !f.done()));
  // Wakes the next() call that is waiting for a completion, if any.
  let wake: (() => void) | undefined;
  // Set by return(), break, or the timeout: nothing more is yielded.
  let closed = false;
  // next() calls run one after another, as an async generator's do. Settles with nothing.
  let queue: Promise<void> = Promise.resolve();

  const waiter = new AsCompletedWaiter((f) => {
    pending.delete(f as Future<T>);
    ready.push(f as Future<T>);
    wake?.();
  });
  for (const f of pending) f[kAddWaiter](waiter);

  const close = (): void => {
    closed = true;
    ready.length = 0;
    for (const f of pending) f[kRemoveWaiter](waiter);
    pending.clear();
    wake?.();
  };

  const pull = async (): Promise<IteratorResult<Future<T>>> => {
    for (;;) {
      const f = ready.shift();
      if (f !== undefined) return { value: f, done: false };
      if (closed || pending.size === 0) {
        close();
        return { value: undefined, done: true };
      }
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        const message = `${pending.size} (of ${total}) futures unfinished`;
        close();
        throw new TimeoutError(message);
      }
      await new Promise<void>((resolve) => {
        const stopTimer = startTimer(remaining, () => {
          wake = undefined;
          resolve();
        });
        wake = () => {
          stopTimer();
          wake = undefined;
          resolve();
        };
      });
    }
  };

  const iterator: AsyncIterableIterator<Future<T>> = {
    next(): Promise<IteratorResult<Future<T>>> {
      const step = queue.then(pull);
      // The queue must not hold `{ value: future }`: that would keep the future just handed out
      // alive until the next next() (CPython's test_free_reference_yielded_future).
      queue = step.then(kForget, kForget);
      return step;
    },
    // Not queued behind a waiting next(): it ends that one too.
    async return(): Promise<IteratorResult<Future<T>>> {
      close();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return iterator;
}
