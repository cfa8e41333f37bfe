import { TimeoutError } from '../errors';
import { Fifo } from './Fifo';
import type { Future } from '../Future';
import type { MapOptions } from '../Executor';
import { checkPositiveInteger, checkPositiveIntegerOrInfinity, checkTimeout, describe } from './validate';

/**
 * The shared engine of `Executor.map`: submits items (in chunks when the
 * executor can batch them), keeps at most `buffersize` unconsumed items
 * submitted, and yields results in input order.
 *
 * Items are submitted from the call on (as Python does), so `timeout`
 * counts from the call.
 *
 * @param submitChunk - submits one chunk, returning one Future per item
 */
export function orderedMap<T, R>(
  name: string,
  submitChunk: (items: T[]) => Future<R>[],
  items: Iterable<T> | AsyncIterable<T>,
  options: MapOptions = {},
): AsyncIterableIterator<R> {
  const { timeout, chunksize = 1, buffersize = Infinity } = options ?? {};
  const badTimeout = checkTimeout(timeout, `${name}: options.timeout`);
  if (badTimeout) throw badTimeout;
  checkPositiveInteger(chunksize, `${name}: options.chunksize`);
  checkPositiveIntegerOrInfinity(buffersize, `${name}: options.buffersize`);
  const source = openSource(items, name);
  const deadline = timeout === undefined || timeout === null || timeout === Infinity ? undefined : Date.now() + timeout;

  // Submitted futures whose results have not been yielded, in input order.
  const queue = new Fifo<Future<R>>();
  // The source has no more items (or failed: `sourceError`).
  let exhausted = false;
  let sourceError: { error: unknown } | undefined;
  // The iterator has ended: nothing more is submitted.
  let closed = false;
  // A refill in progress (async sources), so two never run at once.
  let filling: Promise<void> | undefined;

  const cancelRest = (): void => {
    closed = true;
    for (const f of queue.drain()) f.cancel();
    void source.return?.();
  };

  // Takes items until `buffersize` are outstanding, submitting them a chunk at a time.
  const fill = async (): Promise<void> => {
    while (!closed && !exhausted && queue.length < buffersize) {
      const room = Math.min(chunksize, buffersize - queue.length);
      const chunk: T[] = [];
      try {
        while (chunk.length < room) {
          const next = await source.next();
          if (next.done) {
            exhausted = true;
            break;
          }
          chunk.push(next.value);
        }
      } catch (error) {
        exhausted = true;
        sourceError = { error };
      }
      if (closed) return;
      if (chunk.length > 0) {
        try {
          for (const f of submitChunk(chunk)) queue.push(f);
        } catch (error) {
          // e.g. ShutdownError: surfaces at this position, after the results before it.
          exhausted = true;
          sourceError ??= { error };
        }
      }
    }
  };
  const refill = (): Promise<void> => {
    filling ??= fill().finally(() => {
      filling = undefined;
    });
    return filling;
  };
  // Start at once, as Python does; failures surface from next().
  const started = refill().catch((error: unknown) => {
    sourceError ??= { error };
    exhausted = true;
  });

  const iterator: AsyncIterableIterator<R> = {
    async next(): Promise<IteratorResult<R>> {
      await started;
      if (closed) return { value: undefined, done: true };
      if (queue.length === 0) await refill();
      const head = queue.shift();
      if (head === undefined) {
        closed = true;
        if (sourceError) throw sourceError.error;
        return { value: undefined, done: true };
      }
      try {
        const remaining = deadline === undefined ? undefined : Math.max(0, deadline - Date.now());
        const value = await head.result(remaining);
        void refill().catch(() => undefined);
        return { value, done: false };
      } catch (error) {
        cancelRest();
        if (error instanceof TimeoutError && !head.done()) {
          head.cancel();
          throw new TimeoutError(`${name}: results not ready within ${timeout} ms`, { cause: error });
        }
        throw error;
      }
    },
    async return(): Promise<IteratorResult<R>> {
      cancelRest();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return iterator;
}

interface Source<T> {
  next(): IteratorResult<T> | Promise<IteratorResult<T>>;
  return?(): unknown;
}

function openSource<T>(items: Iterable<T> | AsyncIterable<T>, name: string): Source<T> {
  if (items !== null && typeof items === 'object' && typeof (items as AsyncIterable<T>)[Symbol.asyncIterator] === 'function') {
    return (items as AsyncIterable<T>)[Symbol.asyncIterator]();
  }
  if (items !== null && items !== undefined && typeof (items as Iterable<T>)[Symbol.iterator] === 'function') {
    return (items as Iterable<T>)[Symbol.iterator]();
  }
  throw new TypeError(`${name}: items must be an iterable or async iterable, got ${describe(items)}`);
}
