import { asapScheduler, asyncScheduler, Observable, timer, type SchedulerLike, type Subscription } from 'rxjs';
import type { Future } from '../Future';
import { ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION, type ReturnWhen } from '../wait';
import { failed } from '../internal/failed';
import { checkFutures } from '../checkFutures';
import { checkTimeout } from '../internal/validate';

/** Options of {@link waitFirst$}. */
export interface WaitFirst$Options {
  /** When to emit. @default FIRST_COMPLETED */
  returnWhen?: ReturnWhen;
  /** Milliseconds (frames, in TestScheduler) from subscription; then the split at that moment is emitted. Omitted: no limit. */
  timeout?: number;
  /** Cancel the unfinished futures when unsubscribed before the emission (never after it). @default true */
  cancelOnUnsubscribe?: boolean;
  /** Cancelling also stops running tasks; `false` is Python's strict semantics. @default true */
  interrupt?: boolean;
  /**
   * The clock of `timeout`; given, it also takes the split (an action with no delay).
   * @default asyncScheduler for the timeout, asapScheduler for the split (both virtual inside TestScheduler.run)
   */
  scheduler?: SchedulerLike;
}

/**
 * Python's `wait` as an Observable: emits one `{ done, notDone }` split when
 * `returnWhen` is met (default `FIRST_COMPLETED`) or the timeout passes,
 * then completes. A timeout is not an error, as in Python. Cancelled futures
 * count as done.
 *
 * ```
 * futures:     a: ---done   b: -----done
 * waitFirst$:  ---(s|)       s = { done: {a}, notDone: {b} }
 * ```
 *
 * The split is the one {@link wait} gives for the same futures at the same
 * moment: it is taken at the end of the synchronous run in which the
 * condition was met (an `asapScheduler` action: a microtask, as `wait`'s;
 * inside `TestScheduler.run`, before the next action), so futures that end
 * together — a chunk's results, a loop of `cancel()` — are all in `done`.
 * If the condition holds at subscription, the split is emitted at once.
 *
 * Unsubscribing before the emission cancels the unfinished futures
 * (`cancelOnUnsubscribe`, default `true`); after it, nothing is cancelled:
 * the losers of a race are yours to cancel or keep.
 *
 * @example
 * ```ts
 * import { waitFirst$, FIRST_EXCEPTION } from 'rxfutures';
 * waitFirst$(futures, { returnWhen: FIRST_EXCEPTION, timeout: 5_000 }).subscribe(({ done, notDone }) => {
 *   for (const f of notDone) f.cancel();
 * });
 * ```
 * @see asCompleted$
 * @see wait
 * @param futures - the futures (duplicates are counted once)
 * @param options - `returnWhen`, `timeout`, `cancelOnUnsubscribe`, `interrupt`, `scheduler`
 * @returns an Observable of one `{ done, notDone }`; the sets hold the futures' own type, so futures of
 *   mixed result types give a union (`Future<number> | Future<string>`)
 * @throws TypeError for a non-future, RangeError for a bad timeout or returnWhen, when called
 */
export function waitFirst$<F extends Future<any>>(futures: Iterable<F>, options: WaitFirst$Options = {}): Observable<{ done: Set<F>; notDone: Set<F> }> {
  const fs = checkFutures(futures, 'waitFirst$') as F[];
  const { returnWhen = FIRST_COMPLETED, timeout, cancelOnUnsubscribe = true, interrupt = true } = options ?? {};
  const scheduler = options?.scheduler ?? asyncScheduler;
  // Takes the split once the synchronous run that met the condition is over.
  const splitScheduler = options?.scheduler ?? asapScheduler;
  const badTimeout = checkTimeout(timeout, 'waitFirst$: options.timeout');
  if (badTimeout) throw badTimeout;
  if (returnWhen !== FIRST_COMPLETED && returnWhen !== FIRST_EXCEPTION && returnWhen !== ALL_COMPLETED) {
    throw new RangeError(`waitFirst$: options.returnWhen must be FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED, got ${String(returnWhen)}`);
  }
  return new Observable<{ done: Set<F>; notDone: Set<F> }>((subscriber) => {
    // The split was emitted: from then on nothing is cancelled.
    let emitted = false;
    // The action that will take the split, once the condition is met or the timeout passed.
    let splitting: Subscription | undefined;
    const emit = (): void => {
      if (emitted) return;
      emitted = true;
      const done = new Set<F>();
      const notDone = new Set<F>();
      for (const f of fs) (f.done() ? done : notDone).add(f);
      subscriber.next({ done, notDone });
      subscriber.complete();
    };
    const emitSoon = (): void => {
      splitting ??= splitScheduler.schedule(emit);
    };
    const watched = fs.filter((f) => !f.done());
    // How many are done, and whether one of them failed.
    let doneCount = fs.length - watched.length;
    let anyFailed = fs.some((f) => f.done() && failed(f));
    const isMet = (): boolean =>
      doneCount === fs.length || (returnWhen === FIRST_COMPLETED && doneCount > 0) || (returnWhen === FIRST_EXCEPTION && anyFailed);
    const onDone = (f: Future<unknown>): void => {
      doneCount += 1;
      anyFailed ||= failed(f);
      if (isMet()) emitSoon();
    };
    if (isMet()) emit();
    else for (const f of watched) if (!emitted) f.addDoneCallback(onDone);
    const timeoutSubscription =
      emitted || timeout === undefined || timeout === null || timeout === Infinity ? undefined : timer(timeout, scheduler).subscribe(emitSoon);
    return () => {
      timeoutSubscription?.unsubscribe();
      splitting?.unsubscribe();
      for (const f of watched) f.removeDoneCallback(onDone);
      if (!emitted && cancelOnUnsubscribe) for (const f of [...watched].reverse()) if (!f.done()) f.cancel({ interrupt });
    };
  });
}
