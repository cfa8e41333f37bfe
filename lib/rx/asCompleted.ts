import { asyncScheduler, Observable, timer, type SchedulerLike } from 'rxjs';
import { TimeoutError } from '../errors';
import type { Future } from '../Future';
import { checkFutures } from '../checkFutures';
import { checkTimeout } from '../internal/validate';

/** Options of {@link asCompleted$}. */
export interface AsCompleted$Options {
  /** Milliseconds (frames, in TestScheduler) from subscription; then `TimeoutError`. Omitted: no limit. */
  timeout?: number;
  /**
   * Cancel the unfinished futures when the subscription ends before all are
   * done: unsubscribe, `take`, `takeUntil`, or the timeout.
   * @default true
   */
  cancelOnUnsubscribe?: boolean;
  /** Cancelling also stops running tasks; `false` is Python's strict semantics. @default true */
  interrupt?: boolean;
  /** The clock of `timeout`. @default asyncScheduler (virtual inside TestScheduler.run) */
  scheduler?: SchedulerLike;
}

/**
 * Emits each distinct future once as it completes (finished or cancelled):
 * those already done at subscription first, in input order, then in
 * completion order — Python's `as_completed` as an Observable. Completes
 * when all are done. It emits the Future itself; read it with
 * `f.resultNow()` or `f.exceptionNow()`.
 *
 * ```
 * futures:       a: ---done   b: -done   c: -----done
 * asCompleted$:  -b-a-(c|)
 * timeout 4:     -b-a#          # = TimeoutError('1 (of 3) futures unfinished'); c is cancelled
 * ```
 *
 * @example
 * ```ts
 * import { asCompleted$ } from 'rxfutures';
 * import { map } from 'rxjs';
 * asCompleted$(futures, { timeout: 10_000 })
 *   .pipe(map((f) => f.resultNow()))
 *   .subscribe(console.log);
 * ```
 * @see waitFirst$
 * @see mapUnordered$
 * @param futures - the futures; duplicates are emitted once
 * @param options - `timeout`, `cancelOnUnsubscribe` (default `true`), `interrupt` (default `true`), `scheduler`
 * @returns an Observable of the futures, in completion order, typed as passed (mixed result types give a union)
 * @throws TypeError for a non-future, RangeError for a bad timeout, when called
 */
export function asCompleted$<F extends Future<any>>(futures: Iterable<F>, options: AsCompleted$Options = {}): Observable<F> {
  const fs = checkFutures(futures, 'asCompleted$') as F[];
  const { timeout, cancelOnUnsubscribe = true, interrupt = true, scheduler = asyncScheduler } = options ?? {};
  const badTimeout = checkTimeout(timeout, 'asCompleted$: options.timeout');
  if (badTimeout) throw badTimeout;
  return new Observable<F>((subscriber) => {
    // Futures not yet emitted.
    const pending = new Set(fs);
    const onDone = (done: Future<unknown>): void => {
      const f = done as F;
      if (!pending.delete(f)) return;
      subscriber.next(f);
      if (pending.size === 0) subscriber.complete();
    };
    // Done ones first, in input order; then callbacks (which fire at once for any done meanwhile).
    for (const f of fs) if (f.done() && !subscriber.closed) onDone(f);
    for (const f of [...pending]) if (!subscriber.closed) f.addDoneCallback(onDone);
    if (pending.size === 0 && !subscriber.closed) subscriber.complete();
    const timeoutSubscription =
      timeout === undefined || timeout === null || timeout === Infinity || subscriber.closed
        ? undefined
        : timer(timeout, scheduler).subscribe(() => {
            subscriber.error(new TimeoutError(`${pending.size} (of ${fs.length}) futures unfinished`));
          });
    return () => {
      timeoutSubscription?.unsubscribe();
      const unfinished = [...pending];
      pending.clear();
      for (const f of unfinished) f.removeDoneCallback(onDone);
      if (cancelOnUnsubscribe) for (const f of unfinished.reverse()) if (!f.done()) f.cancel({ interrupt });
    };
  });
}
