import { Observable } from 'rxjs';
import type { Executor, TaskLike } from '../Executor';
import { fromFuture } from './fromFuture';

/**
 * Submits `task(...args)` when subscribed, emits its result and completes.
 * Each subscription submits its own call; unsubscribing before the result
 * cancels it, interrupting it if it is already running. The error
 * notification is the task's own exception.
 *
 * ```
 * submit$(pool, task, x):   ^---(r|)      r = task(x), on a worker
 * unsubscribe early:        ^-!           the call is cancelled / interrupted
 * ```
 *
 * For Python's strict semantics (a running call is left to finish), use
 * `defer(() => fromFuture(pool.submit(task, x), { cancelOnUnsubscribe: true, interrupt: false }))`.
 *
 * @example
 * ```ts
 * import { submit$ } from 'rxfutures';
 * import { timeout } from 'rxjs';
 * submit$(pool, tasks.render, page).pipe(timeout(5_000)).subscribe({
 *   next: (html) => send(html),
 *   error: (err) => console.error(err.name, err.message), // the task's own exception, or rxjs' TimeoutError
 * });
 * ```
 * @see fromFuture
 * @see mapOrdered$
 * @see stream$
 * @param executor - where the call runs
 * @param task - a module Task or a self-contained function
 * @param args - its arguments
 * @returns a cold Observable of the result
 */
export function submit$<A extends unknown[], R>(executor: Executor, task: TaskLike<A, R>, ...args: A): Observable<Awaited<R>> {
  return new Observable<Awaited<R>>((subscriber) => {
    let future;
    try {
      future = executor.submit(task, ...args);
    } catch (err) {
      subscriber.error(err);
      return undefined;
    }
    return fromFuture(future, { cancelOnUnsubscribe: true }).subscribe(subscriber);
  });
}
