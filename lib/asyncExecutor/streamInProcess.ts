/**
 * AsyncExecutor's `stream`: a generator run on the event loop, pulled by the
 * consumer (so it never runs ahead of it), holding one of the executor's
 * slots from its first step to its end. `return()` interrupts it: its
 * AbortSignal fires and the generator is closed (its `finally` blocks run).
 */
import { CancelledError } from '../errors';
import { Future } from '../Future';
import { iterate } from '../internal/inProcess';
import { runInCall, signalContext } from '../internal/callContext';
import type { EventLoopQueue } from './EventLoopQueue';

/**
 * @param queue - the executor's queue, where the run waits for a slot
 * @param start - calls the generator function
 * @returns the consumer's iterator
 */
export function streamInProcess<Y>(queue: EventLoopQueue, start: () => unknown): AsyncIterableIterator<Y> {
  const run = new Future<unknown>();
  // Set when the run gets its slot.
  let iterator: Iterator<Y> | AsyncIterator<Y> | undefined;
  let signal: AbortSignal | undefined;
  let startError: { error: unknown } | undefined;
  // The iteration is over (ended, failed, or stopped by the consumer).
  let finished = false;
  let resolveStarted!: () => void;
  const started = new Promise<void>((resolve) => (resolveStarted = resolve));
  let resolveEnded!: () => void;
  // Gives the slot back.
  const ended = new Promise<void>((resolve) => (resolveEnded = resolve));

  const finish = (error?: { error: unknown }): void => {
    if (finished) return;
    finished = true;
    if (!run.done()) {
      if (error === undefined) run.setResult(undefined);
      else run.setException(error.error);
    }
    resolveEnded();
  };
  // Interrupted (the consumer left, or an unsubscribe): close the generator, then free the slot.
  const stop = (): void => {
    finished = true;
    let closing: unknown;
    try {
      closing = iterator?.return?.();
    } catch {
      // A generator that cannot be closed now has nothing left to stop.
    }
    void Promise.resolve(closing)
      .catch(() => undefined)
      .finally(resolveEnded);
  };

  // Cancelled while pending (shutdown's cancelFutures): wake the consumer.
  run.addDoneCallback(() => resolveStarted());
  queue.enqueue({
    future: run,
    settlesItself: true,
    call(s) {
      signal = s;
      s.addEventListener('abort', stop, { once: true });
      try {
        iterator = iterate(start()) as Iterator<Y> | AsyncIterator<Y>;
      } catch (error) {
        startError = { error };
      }
      resolveStarted();
      return ended;
    },
  });

  return {
    async next(): Promise<IteratorResult<Y>> {
      await started;
      if (finished) return { value: undefined, done: true };
      if (iterator === undefined) {
        if (startError !== undefined) {
          finish(startError);
          throw startError.error;
        }
        finished = true;
        throw new CancelledError('the stream was cancelled before it ran');
      }
      const it = iterator;
      try {
        const result = await runInCall(signalContext(signal!), () => it.next());
        // Interrupted meanwhile: the consumer left; what the generator did after that is dropped.
        if (result.done || signal!.aborted) {
          finish();
          return { value: undefined, done: true };
        }
        return { value: result.value, done: false };
      } catch (error) {
        if (signal!.aborted) return { value: undefined, done: true };
        finish({ error });
        throw error;
      }
    },
    async return(): Promise<IteratorResult<Y>> {
      if (!finished) {
        if (iterator === undefined && startError === undefined) {
          finished = true;
          run.cancel();
        } else {
          run.cancel({ interrupt: true });
        }
      }
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
