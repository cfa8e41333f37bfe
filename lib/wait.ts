import type { Future } from './Future';
import { failed } from './internal/failed';
import { kAddWaiter, kRemoveWaiter } from './internal/symbols';
import { checkFutures } from './checkFutures';
import { checkTimeout } from './internal/validate';
import { AllCompletedWaiter, FirstCompletedWaiter, startTimer, type Waiter } from './internal/waiters';

/**
 * `wait` returns when any future finishes or is cancelled.
 *
 * @example
 * ```ts
 * const { done } = await wait(futures, { returnWhen: FIRST_COMPLETED });
 * ```
 */
export const FIRST_COMPLETED = 'FIRST_COMPLETED';
/**
 * `wait` returns when any future finishes by raising an exception, or when
 * all are done. A cancelled future is not an exception.
 *
 * @example
 * ```ts
 * const { done, notDone } = await wait(futures, { returnWhen: FIRST_EXCEPTION });
 * ```
 */
export const FIRST_EXCEPTION = 'FIRST_EXCEPTION';
/**
 * `wait` returns when all futures are done (the default).
 *
 * @example
 * ```ts
 * await wait(futures, { returnWhen: ALL_COMPLETED });
 * ```
 */
export const ALL_COMPLETED = 'ALL_COMPLETED';

/**
 * When {@link wait} returns.
 *
 * @example
 * ```ts
 * const returnWhen: ReturnWhen = FIRST_COMPLETED;
 * ```
 */
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

/**
 * Options of {@link wait}.
 *
 * @example
 * ```ts
 * const options: WaitOptions = { timeout: 5000, returnWhen: FIRST_EXCEPTION };
 * ```
 */
export interface WaitOptions {
  /** Milliseconds; on timeout `wait` resolves with the split at that moment. Omitted: no limit. */
  timeout?: number;
  /** @default ALL_COMPLETED */
  returnWhen?: ReturnWhen;
}

/**
 * The split {@link wait} resolves with.
 *
 * @example
 * ```ts
 * const { done, notDone }: DoneAndNotDone<number> = await wait(futures);
 * ```
 */
export interface DoneAndNotDone<T = unknown> {
  done: Set<Future<T>>;
  notDone: Set<Future<T>>;
}

/**
 * Waits for futures, as Python's `concurrent.futures.wait`. A timeout does
 * not reject: it resolves with the split at that moment (`timeout: 0` at
 * once). Cancelled futures count as done from the moment they are cancelled.
 * The split is taken when `wait` returns, so with FIRST_COMPLETED every
 * future that ended in the same synchronous run is in `done`.
 *
 * @example
 * ```ts
 * import { wait, FIRST_COMPLETED } from 'rxfutures';
 * const { done, notDone } = await wait([a, b, c], { returnWhen: FIRST_COMPLETED, timeout: 5000 });
 * ```
 * @see asCompleted
 * @param fs - the futures (duplicates are counted once)
 * @param options - `timeout` in ms, `returnWhen` (default `ALL_COMPLETED`)
 * @returns `{ done, notDone }`
 * @throws (rejects) `TypeError` for a non-future, `RangeError` for a bad timeout or returnWhen
 */
export function wait<T>(fs: Iterable<Future<T>>, options: WaitOptions = {}): Promise<DoneAndNotDone<T>> {
  let futures: Future<T>[];
  try {
    futures = checkFutures(fs, 'wait') as Future<T>[];
  } catch (err) {
    return Promise.reject(err);
  }
  const { timeout, returnWhen = ALL_COMPLETED } = options;
  const badTimeout = checkTimeout(timeout, 'wait: options.timeout');
  if (badTimeout) return Promise.reject(badTimeout);
  if (returnWhen !== FIRST_COMPLETED && returnWhen !== FIRST_EXCEPTION && returnWhen !== ALL_COMPLETED) {
    return Promise.reject(
      new RangeError(`wait: options.returnWhen must be FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED, got ${String(returnWhen)}`),
    );
  }

  const split = (): DoneAndNotDone<T> => {
    const done = new Set<Future<T>>();
    const notDone = new Set<Future<T>>();
    for (const f of futures) (f.done() ? done : notDone).add(f);
    return { done, notDone };
  };

  const alreadyDone = futures.filter((f) => f.done());
  if (returnWhen === FIRST_COMPLETED && alreadyDone.length > 0) return Promise.resolve(split());
  if (returnWhen === FIRST_EXCEPTION && alreadyDone.some(failed)) return Promise.resolve(split());
  if (alreadyDone.length === futures.length || timeout === 0) return Promise.resolve(split());

  return new Promise((resolve) => {
    let stopTimer: (() => void) | undefined;
    const pending = futures.filter((f) => !f.done());
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      stopTimer?.();
      for (const f of pending) f[kRemoveWaiter](waiter);
      // The split is taken a microtask later, as CPython takes it when the
      // waiting thread wakes: futures that end in the same synchronous run
      // (a batch of results, cancel() on several) are all in `done`.
      queueMicrotask(() => resolve(split()));
    };
    const waiter: Waiter =
      returnWhen === FIRST_COMPLETED
        ? new FirstCompletedWaiter(finish)
        : new AllCompletedWaiter(pending.length, returnWhen === FIRST_EXCEPTION, finish);
    for (const f of pending) f[kAddWaiter](waiter);
    if (timeout !== undefined && timeout !== null) stopTimer = startTimer(timeout, finish);
  });
}
