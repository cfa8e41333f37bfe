/**
 * A watched future as a waiter sees it: only which one it is. Waiters never
 * read a future, so this floor needs no import of `Future` (lib/Future.ts
 * imports this file; an import back would be a cycle).
 */
export type Watched = object;

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
  addResult(future: Watched): void;
  addException(future: Watched): void;
  addCancelled(future: Watched): void;
}

/** Collects finished futures and calls `onEvent` after each one. */
abstract class CollectingWaiter implements Waiter {
  readonly finished: Watched[] = [];
  constructor(protected readonly onEvent: () => void) {}
  addResult(future: Watched): void {
    this.finished.push(future);
  }
  addException(future: Watched): void {
    this.finished.push(future);
  }
  addCancelled(future: Watched): void {
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
  override addResult(future: Watched): void {
    super.addResult(future);
    this.onEvent();
  }
  override addException(future: Watched): void {
    super.addException(future);
    this.onEvent();
  }
  override addCancelled(future: Watched): void {
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
  override addResult(future: Watched): void {
    super.addResult(future);
    this.decrementAndMaybeFire();
  }
  override addException(future: Watched): void {
    super.addException(future);
    if (this.stopOnException) this.onEvent();
    else this.decrementAndMaybeFire();
  }
  override addCancelled(future: Watched): void {
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
  constructor(private readonly onFinished: (future: Watched) => void) {}
  addResult(future: Watched): void {
    this.onFinished(future);
  }
  addException(future: Watched): void {
    this.onFinished(future);
  }
  addCancelled(future: Watched): void {
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
