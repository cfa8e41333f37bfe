import type { Future } from '../Future';

/**
 * A Waiter is told when a future it watches reaches a terminal state
 * (CPython's `_Waiter`). `wait` and `asCompleted` differ only in the waiter
 * they install.
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

/** Fires on the first future that ends (FIRST_COMPLETED), and for asCompleted. */
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
