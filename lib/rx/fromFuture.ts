import { Observable } from 'rxjs';
import { Future } from '../Future';
import { describe } from '../internal/validate';

/** Options of {@link fromFuture}. */
export interface FromFutureOptions {
  /**
   * Cancel the future when the subscriber unsubscribes before it is done.
   * Off by default: the future was made elsewhere, so it is not ours to cancel.
   * @default false
   */
  cancelOnUnsubscribe?: boolean;
  /**
   * With `cancelOnUnsubscribe`, also stop a running task
   * (`cancel({ interrupt: true })`); `false` is Python's strict semantics.
   * @default true
   */
  interrupt?: boolean;
}

/**
 * A {@link Future} as an Observable: emits its result and completes, or
 * errors with the task's own stored exception (`CancelledError` if it was
 * cancelled). Every subscriber sees the same future; nothing is submitted.
 *
 * ```
 * future:       ----done(42)
 * fromFuture:   ----(a|)        a = 42
 * ```
 *
 * @example
 * ```ts
 * import { fromFuture } from 'rxfutures';
 * const future = pool.submit(fib, 30);
 * fromFuture(future).subscribe((n) => console.log(n));
 * // cancel it with the subscription:
 * const sub = fromFuture(future, { cancelOnUnsubscribe: true }).subscribe();
 * sub.unsubscribe(); // future.cancel({ interrupt: true })
 * ```
 * @see submit$
 * @see asCompleted$
 * @param future - the future to observe
 * @param options - `cancelOnUnsubscribe` (default `false`), `interrupt` (default `true`)
 * @returns a cold Observable of the future's result
 * @throws TypeError if `future` is not a Future
 */
export function fromFuture<T>(future: Future<T>, options: FromFutureOptions = {}): Observable<T> {
  if (!(future instanceof Future)) throw new TypeError(`fromFuture: future must be a Future, got ${describe(future)}`);
  const { cancelOnUnsubscribe = false, interrupt = true } = options ?? {};
  return new Observable<T>((subscriber) => {
    const onDone = (f: Future<T>): void => {
      let value: T;
      try {
        value = f.resultNow();
      } catch (err) {
        subscriber.error(err);
        return;
      }
      subscriber.next(value);
      subscriber.complete();
    };
    future.addDoneCallback(onDone);
    return () => {
      future.removeDoneCallback(onDone);
      if (cancelOnUnsubscribe && !future.done()) future.cancel({ interrupt });
    };
  });
}
