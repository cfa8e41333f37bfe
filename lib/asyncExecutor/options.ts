/**
 * AsyncExecutor options: documented, defaulted and checked at the edge.
 */
import { availableParallelism } from 'node:os';
import { checkPositiveInteger, describe } from '../internal/validate';

/** Options of `new AsyncExecutor(options)`. */
export interface AsyncExecutorOptions {
  /**
   * Tasks running at once, at most (the rest wait in a FIFO queue).
   * @default Math.min(32, os.availableParallelism() + 4), as Python's ThreadPoolExecutor
   */
  maxWorkers?: number;
}

/** @throws TypeError / RangeError naming the option */
export function fillOptions(options: AsyncExecutorOptions | undefined): Required<AsyncExecutorOptions> {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError(`AsyncExecutor: options must be an object, got ${describe(options)}`);
  }
  const maxWorkers = options?.maxWorkers ?? Math.min(32, availableParallelism() + 4);
  checkPositiveInteger(maxWorkers, 'options.maxWorkers');
  return { maxWorkers };
}
