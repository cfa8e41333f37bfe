import type { Future } from '../Future';

/**
 * A Waiter is told when a future it watches reaches a terminal state
 * (CPython's `_Waiter`). `wait`, `asCompleted` and a pending `result()` call
 * differ only in the waiter they install; a future drops its waiters once it
 * has told them.
 *
 * @example
 * ```ts
 * const waiter = new FirstCompletedWaiter(() => console.log('one is done'));
 * future[kAddWaiter](waiter);
 * ```
 */
export interface Waiter {
  addResult(future: Future<unknown>): void;
  addException(future: Future<unknown>): void;
  addCancelled(future: Future<unknown>): void;
}

/** Collects finished futures and calls `onEvent` after each one. */
abstract class CollectingWaiter implements Waiter {
  readonly finished: Future<unknown>[] = [];
  constructor(protected readonly onEvent: () => void) {}
  addResult(future: Future<unknown>): void {
    this.finished.push(future);
  }
  addException(future: Future<unknown>): void {
    this.finished.push(future);
  }
  addCancelled(future: Future<unknown>): void {
    this.finished.push(future);
  }
}

/**
 * Fires on each future that ends; `wait` stops listening after the first
 * (FIRST_COMPLETED), and so does a pending `result()` call.
 *
 * @example
 * ```ts
 * const waiter = new FirstCompletedWaiter(finish);
 * for (const f of pending) f[kAddWaiter](waiter);
 * ```
 */
export class FirstCompletedWaiter extends CollectingWaiter {
  override addResult(future: Future<unknown>): void {
    super.addResult(future);
    this.onEvent();
  }
  override addException(future: Future<unknown>): void {
    super.addException(future);
    this.onEvent();
  }
  override addCancelled(future: Future<unknown>): void {
    super.addCancelled(future);
    this.onEvent();
  }
}

/**
 * Fires when all `pending` futures are done, or — with `stopOnException`
 * (FIRST_EXCEPTION is a flag, not another class) — at the first exception.
 * A cancelled future counts as done, never as an exception (as in CPython).
 *
 * @example
 * ```ts
 * const waiter = new AllCompletedWaiter(pending.length, returnWhen === FIRST_EXCEPTION, finish);
 * ```
 */
export class AllCompletedWaiter extends CollectingWaiter {
  constructor(
    private pending: number,
    private readonly stopOnException: boolean,
    onEvent: () => void,
  ) {
    super(onEvent);
  }
  private decrementAndMaybeFire(): void {
    this.pending -= 1;
    if (this.pending <= 0) this.onEvent();
  }
  override addResult(future: Future<unknown>): void {
    super.addResult(future);
    this.decrementAndMaybeFire();
  }
  override addException(future: Future<unknown>): void {
    super.addException(future);
    if (this.stopOnException) this.onEvent();
    else this.decrementAndMaybeFire();
  }
  override addCancelled(future: Future<unknown>): void {
    super.addCancelled(future);
    this.decrementAndMaybeFire();
  }
}

/**
 * Reports every future as it ends, one call each (CPython's `_AsCompletedWaiter`).
 *
 * @example
 * ```ts
 * const waiter = new AsCompletedWaiter((f) => ready.push(f));
 * for (const f of pending) f[kAddWaiter](waiter);
 * ```
 */
export class AsCompletedWaiter implements Waiter {
  constructor(private readonly onFinished: (future: Future<unknown>) => void) {}
  addResult(future: Future<unknown>): void {
    this.onFinished(future);
  }
  addException(future: Future<unknown>): void {
    this.onFinished(future);
  }
  addCancelled(future: Future<unknown>): void {
    this.onFinished(future);
  }
}

/** The longest delay setTimeout honours; a longer one fires after 1 ms (TimeoutOverflowWarning). */
const kMaxTimerDelay = 2 ** 31 - 1;

/**
 * Calls `fn` once after `ms` milliseconds, for any `ms` (beyond setTimeout's
 * ~24.8 days the timer is re-armed; `Infinity` never fires). The deadline of
 * every timeout in rxfutures.
 *
 * @example
 * ```ts
 * const stop = startTimer(timeout, () => reject(new TimeoutError()));
 * // … on completion:
 * stop();
 * ```
 * @returns a function that cancels the timer
 */
export function startTimer(ms: number, fn: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = (left: number): void => {
    if (left === Infinity) return;
    timer = left > kMaxTimerDelay ? setTimeout(arm, kMaxTimerDelay, left - kMaxTimerDelay) : setTimeout(fn, left);
  };
  arm(ms);
  return () => clearTimeout(timer);
}
