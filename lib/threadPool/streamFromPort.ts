/**
 * Main side of `stream`: an async iterator over the values a generator task
 * posts on its MessagePort. The run's end and its error arrive on the same
 * port as the values, so nothing yielded before them can be overtaken.
 */
import type { MessagePort } from 'node:worker_threads';
import { DataCloneError } from '../errors';
import { decodeTaskError } from '../internal/decodeTaskError';
import { unpackValue } from './unpackValue';
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
  // A message is the worker's data: read defensively, and a value that cannot be read ends the
  // stream with DataCloneError at its position (thrown to the consumer, never skipped).
  const cannotRead = (error: DataCloneError): void => {
    if (end !== undefined) return;
    interrupt();
    finish(true, error);
  };
  port.on('message', (message: StreamMessage) => {
    try {
      if (message !== null && typeof message === 'object' && Object.hasOwn(message, 'value')) buffer.push((message as { value: Y }).value);
      else if (message !== null && typeof message === 'object' && Object.hasOwn(message, 'packed')) {
        const unpacked = unpackValue((message as { packed: unknown }).packed, 'a yielded value');
        if ('error' in unpacked) cannotRead(unpacked.error);
        else buffer.push(unpacked.value as Y);
      } else if (message !== null && typeof message === 'object' && Object.hasOwn(message, 'error')) finish(true, decodeTaskError((message as { error: unknown }).error));
      else finish(false);
    } catch (err) {
      cannotRead(new DataCloneError(`a message from the worker could not be read: ${String((err as Error)?.message ?? err)}`, { cause: err }));
    }
    wake?.();
  });
  // Node could not deserialise a message (Piscina's own port drops these; ours does not).
  port.on('messageerror', (err: unknown) => {
    cannotRead(new DataCloneError(`a yielded value cannot be rebuilt on the main thread: ${String((err as Error)?.message ?? err)}`, { cause: err }));
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
