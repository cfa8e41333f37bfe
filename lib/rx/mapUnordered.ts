import type { OperatorFunction } from 'rxjs';
import type { Executor, TaskLike } from '../Executor';
import { mapInternals } from './mapInternals';

/** Options of {@link mapUnordered$}. */
export interface MapUnorderedOptions {
  /**
   * At most this many calls are in flight; further source values wait as plain values.
   * @default 2 × executor.maxWorkers
   */
  buffersize?: number;
  /**
   * Whether unsubscribing (or a failing call) also stops calls that are
   * already running; `false` only cancels queued ones (Python's semantics).
   * @default true
   */
  interrupt?: boolean;
}

/**
 * Runs `task(value)` on the executor for each source value and emits the
 * results as they complete, with at most `buffersize` calls in flight.
 *
 * ```
 * source:          -a-b-c|          (3 workers; a and c take 4 frames, b takes 1)
 *                    a: ----A
 *                      b: -B
 *                        c: ----C
 * mapUnordered$:   ----BA---(C|)
 * ```
 *
 * The first failing call errors the stream at once and cancels the rest.
 * Otherwise as {@link mapOrdered$}: cold, cancels on unsubscribe
 * (interrupting running calls unless `interrupt: false`), bounded memory.
 *
 * @example
 * ```ts
 * import { mapUnordered$ } from 'rxfutures';
 * urls$.pipe(mapUnordered$(pool, tasks.thumbnail)).subscribe(upload);
 * ```
 * @see mapOrdered$
 * @see asCompleted$
 * @param executor - where the calls run
 * @param task - a module Task or a self-contained function of one argument
 * @param options - `buffersize`, `interrupt`
 * @returns an operator from source values to results, in completion order
 * @throws TypeError / RangeError for a bad executor or option, when called
 */
export function mapUnordered$<T, R>(
  executor: Executor,
  task: TaskLike<[T], R>,
  options: MapUnorderedOptions = {},
): OperatorFunction<T, Awaited<R>> {
  return mapInternals('mapUnordered$', executor, task, { ...options, chunksize: 1, ordered: false });
}
