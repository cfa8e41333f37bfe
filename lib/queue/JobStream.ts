/**
 * Producer side of `QueueExecutor.stream`: an async iterator over the values
 * a generator task yields on a worker. Yields arrive as progress events on
 * the queue's event stream, ahead of the job's completed/failed event, so
 * nothing yielded can be overtaken by the end.
 */
import { Fifo } from '../internal/Fifo';

/** The sink the dispatcher feeds and the iterator the user reads. */
export interface JobStream<Y> {
  iterator: AsyncIterableIterator<Y>;
  push(value: Y): void;
  /** The run ended: with `failed`, `error` is thrown after the values already received. */
  end(failed: boolean, error?: unknown): void;
}

/**
 * @param interrupt - called when the consumer stops early (`return()`)
 * @example
 * ```ts
 * const { iterator, push, end } = jobStream<number>(() => run.cancel({ interrupt: true }));
 * ```
 */
export function jobStream<Y>(interrupt: () => void): JobStream<Y> {
  // Values received and not yet consumed.
  const buffer = new Fifo<Y>();
  // How the run ended, once it has.
  let ending: { failed: boolean; error?: unknown } | undefined;
  // A next() waiting for a value or the end.
  let wake: (() => void) | undefined;

  const end = (failed: boolean, error?: unknown): void => {
    if (ending !== undefined) return;
    ending = { failed, error };
    wake?.();
  };

  const iterator: AsyncIterableIterator<Y> = {
    async next(): Promise<IteratorResult<Y>> {
      for (;;) {
        if (buffer.length > 0) return { value: buffer.shift() as Y, done: false };
        if (ending !== undefined) {
          if (ending.failed) {
            const { error } = ending;
            ending = { failed: false };
            throw error;
          }
          return { value: undefined, done: true };
        }
        await new Promise<void>((resolve) => {
          wake = () => {
            wake = undefined;
            resolve();
          };
        });
      }
    },
    async return(): Promise<IteratorResult<Y>> {
      if (ending === undefined) interrupt();
      buffer.drain();
      end(false);
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return {
    iterator,
    push(value) {
      if (ending !== undefined) return;
      buffer.push(value);
      wake?.();
    },
    end,
  };
}
