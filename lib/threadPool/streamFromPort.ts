/**
 * Main side of `stream`: an async iterator over the values a generator task
 * posts on its MessagePort. The run's end and its error arrive on the same
 * port as the values, so nothing yielded before them can be overtaken.
 */
import type { MessagePort } from 'node:worker_threads';
import { decodeError } from '../internal/errorCodec';
import type { StreamMessage } from './protocol';

export interface PortStream<Y> {
  iterator: AsyncIterableIterator<Y>;
  /** The worker died (or the run failed before any message): end with this error. */
  fail(error: unknown): void;
}

/**
 * @param port - our end of the channel
 * @param interrupt - called when the consumer stops early (`return()`)
 */
export function streamFromPort<Y>(port: MessagePort, interrupt: () => void): PortStream<Y> {
  // Values received and not yet consumed.
  const buffer: Y[] = [];
  // How the run ended, once it has.
  let end: { error?: unknown; failed: boolean } | undefined;
  // A next() waiting for a message.
  let wake: (() => void) | undefined;

  const finish = (failed: boolean, error?: unknown): void => {
    if (end !== undefined) return;
    end = { failed, error };
    port.close();
    wake?.();
  };
  port.on('message', (message: StreamMessage) => {
    if ('value' in message) buffer.push(message.value as Y);
    else if ('error' in message) finish(true, decodeError(message.error));
    else finish(false);
    wake?.();
  });

  const iterator: AsyncIterableIterator<Y> = {
    async next(): Promise<IteratorResult<Y>> {
      for (;;) {
        if (buffer.length > 0) return { value: buffer.shift() as Y, done: false };
        if (end !== undefined) {
          if (end.failed) {
            const { error } = end;
            end = { failed: false };
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
      if (end === undefined) interrupt();
      buffer.length = 0;
      finish(false);
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return { iterator, fail: (error) => finish(true, error) };
}
