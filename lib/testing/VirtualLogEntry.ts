/**
 * The shape of {@link VirtualExecutor.log}: what a marble test can assert
 * about when each call was submitted, started, ended or stopped.
 */

/**
 * What {@link VirtualExecutor.log} records.
 * @example
 * ```ts
 * const interrupted = executor.log.filter((e) => e.event === 'interrupted').map((e) => e.id);
 * ```
 */
export type VirtualEvent = 'submitted' | 'started' | 'finished' | 'failed' | 'cancelled' | 'interrupted';

/**
 * One line of {@link VirtualExecutor.log}.
 * @example
 * ```ts
 * testScheduler.run(({ flush }) => {
 *   // … subscribe the pipeline under test, then:
 *   flush();
 *   expect(executor.log).toContainEqual({ time: 3, event: 'finished', id: 2, args: [4] });
 * });
 * ```
 */
export interface VirtualLogEntry {
  /** `scheduler.now()` when it happened: the frame, inside `TestScheduler.run`. */
  readonly time: number;
  /**
   * `started`: its function was called. `cancelled`: cancelled before that (queued, or a chunk's
   * call the worker had not reached). `interrupted`: cancelled after that (the worker was stopped).
   */
  readonly event: VirtualEvent;
  /** The call's number, 1, 2, … in submission order (each call of a batch has its own). */
  readonly id: number;
  /** The arguments it was submitted with. */
  readonly args: readonly unknown[];
}
