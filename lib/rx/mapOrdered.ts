import type { OperatorFunction } from 'rxjs';
import type { Executor, TaskLike } from '../Executor';
import { mapInternals } from './mapInternals';

/** Options of {@link mapOrdered$}. */
export interface MapOrderedOptions {
  /**
   * At most this many calls are submitted and not yet emitted; further
   * source values wait as plain values.
   * @default 2 × executor.maxWorkers (× chunksize when chunking); on a ThreadPoolExecutor that has
   *   measured the task as tiny, 2 × maxWorkers messages of as many calls as it coalesces into one
   */
  buffersize?: number;
  /**
   * Source values sent to a worker per message, on executors that can batch
   * (ThreadPoolExecutor, ProcessPoolExecutor, QueueExecutor, VirtualExecutor); the results of a
   * chunk arrive together.
   * @default 1
   */
  chunksize?: number;
  /**
   * Whether unsubscribing (or a failing call) also stops calls that are
   * already running; `false` only cancels queued ones (Python's semantics).
   * @default true
   */
  interrupt?: boolean;
}

/**
 * Runs `task(value)` on the executor for each source value and emits the
 * results in source order, with at most `buffersize` calls in flight.
 *
 * ```
 * source:       -a-b-c|          (3 workers; a and c take 4 frames, b takes 1)
 *                 a: ----A
 *                   b: -B
 *                     c: ----C
 * mapOrdered$:  -----(AB)(C|)    B waits for A; completes after the last result
 * ```
 *
 * A failing call errors the stream at its position (after the results
 * before it) and cancels the rest. A source error errors at once and
 * cancels what is in flight, as in `mergeMap`. Completes after the last
 * result once the source completed. Unsubscribing (`take`, `takeUntil`,
 * `switchMap`, `timeout`, `firstValueFrom`) cancels every call this
 * subscription submitted and has not emitted, interrupting running ones
 * unless `interrupt: false`.
 *
 * Backpressure: a synchronous source pushing a million values holds a
 * million values, never a million futures.
 *
 * @example
 * ```ts
 * import { mapOrdered$ } from 'rxfutures';
 * import { from } from 'rxjs';
 * from(files).pipe(mapOrdered$(pool, tasks.hashFile, { buffersize: 8 })).subscribe(console.log);
 * ```
 * @see mapUnordered$
 * @see submit$
 * @param executor - where the calls run
 * @param task - a module Task or a self-contained function of one argument
 * @param options - `buffersize`, `chunksize`, `interrupt`
 * @returns an operator from source values to results, in order
 * @throws TypeError / RangeError for a bad executor or option, when called
 */
export function mapOrdered$<T, R>(executor: Executor, task: TaskLike<[T], R>, options: MapOrderedOptions = {}): OperatorFunction<T, Awaited<R>> {
  return mapInternals('mapOrdered$', executor, task, { ...options, ordered: true });
}
