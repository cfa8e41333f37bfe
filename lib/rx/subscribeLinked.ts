import { Subscription, type Observable, type Observer, type Subscriber } from 'rxjs';

/**
 * An Observer that is also a Subscription. RxJS's `Observable.subscribe`
 * uses such an object as the subscriber itself instead of wrapping it, so
 * the source checks *this* object's `closed` — which is what lets
 * `take(1)` stop a synchronous source between two of its values. It is
 * the public-API counterpart of RxJS's internal `OperatorSubscriber`.
 */
class LinkedObserver<T> extends Subscription implements Observer<T> {
  constructor(private readonly observer: Observer<T>) {
    super();
  }

  next(value: T): void {
    if (!this.closed) this.observer.next(value);
  }

  error(err: unknown): void {
    if (this.closed) return;
    // Finalization runs even if the handler throws (OperatorSubscriber's `finally`).
    try {
      this.observer.error(err);
    } finally {
      this.unsubscribe();
    }
  }

  complete(): void {
    if (this.closed) return;
    try {
      this.observer.complete();
    } finally {
      this.unsubscribe();
    }
  }
}

/**
 * Subscribes `observer` to `source` with a subscription that belongs to
 * `destination` from before the first value: when the downstream
 * unsubscribes during a synchronous emission (`take(1)` on `range(0, 1e9)`),
 * the source sees `closed` at once and stops (STYLE.md §(d)1). A teardown
 * registered after `source.subscribe()` returns would come too late.
 *
 * @example
 * ```ts
 * return new Observable<R>((subscriber) => {
 *   subscriber.add(() => cleanUp()); // registered before any value flows
 *   subscribeLinked(source, subscriber, { next, error, complete });
 * });
 * ```
 * @param source - the upstream Observable
 * @param destination - the downstream subscriber that owns the subscription
 * @param observer - the operator's handlers; they must not throw
 * @returns the source subscription (already added to `destination`)
 */
export function subscribeLinked<T>(source: Observable<T>, destination: Subscriber<unknown>, observer: Observer<T>): Subscription {
  const inner = new LinkedObserver(observer);
  destination.add(inner);
  // The returned Subscription is `inner` itself (already linked to destination), so it is not lost.
  // eslint-disable-next-line rxjs-x/no-ignored-subscription
  if (!inner.closed) source.subscribe(inner);
  return inner;
}
