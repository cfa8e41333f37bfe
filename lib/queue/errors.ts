/**
 * The queue executor's own errors. Both are exported from `rxfutures`.
 */
import { BrokenExecutor } from '../errors';

/**
 * Redis cannot be reached, or lost the job: raised by `QueueExecutor` and
 * `startQueueWorker` instead of hanging. A `BrokenExecutor`, as
 * `BrokenThreadPool` is for the thread pool.
 *
 * @example
 * ```ts
 * try {
 *   await executor.ready();
 * } catch (err) {
 *   if (err instanceof BrokenQueue) console.error('is Redis running?', err.message);
 * }
 * ```
 */
export class BrokenQueue extends BrokenExecutor {
  override readonly name: string = 'BrokenQueue';
  constructor(message = 'the job queue is not usable', options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * A task's arguments, result or yielded value is too big to send through
 * Redis (`maxPayloadBytes`, serialised). The future fails with it; the
 * executor and the worker go on.
 *
 * @example
 * ```ts
 * const err = await executor.submit(tasks.readWholeDisk).exception();
 * if (err instanceof PayloadTooLargeError) console.log(err.bytes, '>', err.limit);
 * ```
 */
export class PayloadTooLargeError extends RangeError {
  override readonly name: string = 'PayloadTooLargeError';
  /** The serialised size, in bytes. */
  readonly bytes: number;
  /** The limit it exceeded (`maxPayloadBytes`), in bytes. */
  readonly limit: number;
  /** What was too large: `the result`, `the task's arguments`, `a yielded value`. */
  readonly what: string;
  constructor(what: string, bytes: number, limit: number, options?: ErrorOptions) {
    super(
      `${what}: ${bytes} bytes once serialised, over the ${limit}-byte limit (maxPayloadBytes); ` +
        'store big data elsewhere and send a reference',
      options,
    );
    this.bytes = bytes;
    this.limit = limit;
    this.what = what;
  }
}

/**
 * A queue worker refused a job's task: the module (after resolving paths
 * and symlinks) or the export is not on the worker's allowlist
 * (`startQueueWorker({ tasks })`, `rxfutures-worker --tasks`). Nothing of
 * the job ran. The producer's future fails with it; the worker goes on.
 *
 * @example
 * ```ts
 * const err = await queue.submit(task('node:child_process', 'execSync'), 'id').exception();
 * if (err instanceof TaskNotAllowedError) console.log(err.specifier, err.exportName); // node:child_process execSync
 * ```
 */
export class TaskNotAllowedError extends Error {
  override readonly name: string = 'TaskNotAllowedError';
  /** The module the job named, as it named it. */
  readonly specifier: string;
  /** The export the job named. */
  readonly exportName: string;
  constructor(specifier: string, exportName: string, why: string, options?: ErrorOptions) {
    super(`the queue worker refused task ${JSON.stringify(exportName)} of ${JSON.stringify(specifier)}: ${why}`, options);
    this.specifier = specifier;
    this.exportName = exportName;
  }
}
