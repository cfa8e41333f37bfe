import { from, Observable, observable, type InteropObservable } from 'rxjs';
import type { Executor, StreamTaskLike } from '../Executor';

/**
 * Runs a generator task with `executor.stream` and emits every value it
 * yields as it is produced — progress reports, partial results. Completes
 * when the generator returns (its return value is not emitted); its
 * exception is the error notification. Each subscription starts its own
 * run; unsubscribing interrupts it (the worker is freed).
 *
 * ```
 * task:     function* () { yield 1; …; yield 2; …; yield 3; }
 * stream$:  ^--1--2--(3|)
 * early:    ^--1-!           the generator is interrupted
 * ```
 *
 * If the iterator `executor.stream` returns is also an interop Observable
 * (`Symbol.observable`, as VirtualExecutor's is), it is subscribed to
 * instead of pulled, so values arrive without promise hops — synchronously
 * in virtual time.
 *
 * @example
 * ```ts
 * import { stream$ } from 'rxfutures';
 * import { takeWhile } from 'rxjs';
 * stream$(pool, tasks.searchPrimes, 1e9)
 *   .pipe(takeWhile((p) => p < 1e6)) // stops the worker once enough is found
 *   .subscribe(console.log);
 * ```
 * @see submit$
 * @see mapOrdered$
 * @param executor - where the generator runs
 * @param task - a (sync or async) generator function, or a Task naming one
 * @param args - its arguments
 * @returns a cold Observable of the yielded values
 */
export function stream$<A extends unknown[], Y>(executor: Executor, task: StreamTaskLike<A, Y>, ...args: A): Observable<Y> {
  return new Observable<Y>((subscriber) => {
    let iterator: AsyncIterableIterator<Y>;
    try {
      iterator = executor.stream(task, ...args);
    } catch (err) {
      subscriber.error(err);
      return undefined;
    }
    if (typeof (iterator as unknown as Record<string | symbol, unknown>)[observable] === 'function') {
      return from(iterator as unknown as InteropObservable<Y>).subscribe(subscriber);
    }
    // The generator ended (returned or threw): nothing to interrupt.
    let ended = false;
    const pull = (): void => {
      let next: Promise<IteratorResult<Y>>;
      try {
        next = Promise.resolve(iterator.next());
      } catch (err) {
        ended = true;
        subscriber.error(err);
        return;
      }
      next.then(
        (result) => {
          if (subscriber.closed) return;
          if (result.done) {
            ended = true;
            subscriber.complete();
          } else {
            subscriber.next(result.value);
            if (!subscriber.closed) pull();
          }
        },
        (err: unknown) => {
          ended = true;
          subscriber.error(err);
        },
      );
    };
    pull();
    return () => {
      if (ended) return;
      ended = true;
      try {
        void Promise.resolve(iterator.return?.()).catch(() => undefined);
      } catch {
        // A throwing return() has nothing left to stop.
      }
    };
  });
}
