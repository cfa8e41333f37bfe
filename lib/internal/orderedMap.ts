import { TimeoutError } from '../errors';
import { Fifo } from './Fifo';
import { MapFeeder, type MapFeedHooks } from './MapFeeder';
import { checkPositiveInteger, checkPositiveIntegerOrInfinity, checkTimeout, describe } from './validate';

/**
 * What the engine needs of a future: lib/Future.ts's `Future` has it. Named
 * here, not imported, because the bottom floor never imports upwards.
 */
interface MapFuture<R> {
  done(): boolean;
  cancelled(): boolean;
  cancel(): boolean;
  result(timeout?: number): Promise<R>;
  resultNow(): R;
  addDoneCallback(fn: () => void): void;
}

/** `Executor.map`'s options (lib/Executor.ts `MapOptions`, the same shape). */
interface MapOptionsLike {
  timeout?: number;
  chunksize?: number;
  buffersize?: number;
}

/**
 * The shared engine of `Executor.map`: submits items (in chunks when the
 * executor can batch them), keeps at most `buffersize` unconsumed items
 * submitted, and yields results in input order.
 *
 * Items are submitted from the call on (as Python does), so `timeout`
 * counts from the call. Without `buffersize`, an executor that passes
 * `feedHooks` has every item taken at the call all the same, but submitted a
 * window at a time as calls finish (MapFeeder.ts).
 *
 * @param submitChunk - submits one chunk, returning one Future per item
 * @param feedHooks - the executor's side of a {@link MapFeeder}, used when `buffersize` is not given
 */
export function orderedMap<T, R>(
  name: string,
  submitChunk: (items: T[]) => MapFuture<R>[],
  items: Iterable<T> | AsyncIterable<T>,
  options: MapOptionsLike = {},
  feedHooks?: MapFeedHooks<T, MapFuture<R>>,
): AsyncIterableIterator<R> {
  const { timeout, chunksize = 1, buffersize = Infinity } = options ?? {};
  const badTimeout = checkTimeout(timeout, `${name}: options.timeout`);
  if (badTimeout) throw badTimeout;
  checkPositiveInteger(chunksize, `${name}: options.chunksize`);
  checkPositiveIntegerOrInfinity(buffersize, `${name}: options.buffersize`);
  const source = openSource(items, name);
  const deadline = timeout === undefined || timeout === null || timeout === Infinity ? undefined : Date.now() + timeout;

  // Submitted futures whose results have not been yielded, in input order.
  const queue = new Fifo<MapFuture<R>>();
  // The source has no more items (or failed: `sourceError`).
  let exhausted = false;
  let sourceError: { error: unknown } | undefined;
  // The iterator has ended: nothing more is submitted.
  let closed = false;
  // A refill in progress (async sources), so two never run at once.
  let filling: Promise<void> | undefined;
  // Without buffersize on a pool: takes every item now and submits a window at a time (it fills `queue` itself).
  const noBuffersize = options?.buffersize === undefined || options.buffersize === null;
  const chunkGiven = options?.chunksize !== undefined && options.chunksize !== null;
  const feeder = feedHooks !== undefined && noBuffersize ? new MapFeeder(name, source, queue, feedHooks, chunkGiven ? chunksize : undefined) : undefined;

  const cancelRest = (): void => {
    closed = true;
    // The feeder first: a cancelled future's done callback would have it submit more.
    feeder?.close();
    for (const f of queue.drain()) f.cancel();
    if (feeder === undefined) void source.iterator.return?.();
  };

  const submit = (chunk: T[]): void => {
    if (closed || chunk.length === 0) return;
    try {
      for (const f of submitChunk(chunk)) queue.push(f);
    } catch (error) {
      // e.g. ShutdownError: surfaces at this position, after the results before it.
      exhausted = true;
      sourceError ??= { error };
    }
  };
  const fail = (error: unknown): void => {
    exhausted = true;
    sourceError ??= { error };
  };

  // Takes items until `buffersize` are outstanding, a chunk at a time. Sync
  // sources are read without awaiting: a microtask per item is measurable.
  const fillSync = (): void => {
    const it = source.iterator as Iterator<T>;
    while (!closed && !exhausted && queue.length < buffersize) {
      const room = Math.min(chunksize, buffersize - queue.length);
      // Wait until a whole chunk fits: refilling after every result took one item at a time,
      // so every chunk after the first window went out as a one-item job (issue #15).
      if (room < chunksize && queue.length > 0) break;
      const chunk: T[] = [];
      try {
        while (chunk.length < room) {
          const next = it.next();
          if (next.done) {
            exhausted = true;
            break;
          }
          chunk.push(next.value);
        }
      } catch (error) {
        fail(error);
      }
      submit(chunk);
    }
  };
  const fillAsync = async (): Promise<void> => {
    const it = source.iterator as AsyncIterator<T>;
    while (!closed && !exhausted && queue.length < buffersize) {
      const room = Math.min(chunksize, buffersize - queue.length);
      // Wait until a whole chunk fits: refilling after every result took one item at a time,
      // so every chunk after the first window went out as a one-item job (issue #15).
      if (room < chunksize && queue.length > 0) break;
      const chunk: T[] = [];
      try {
        while (chunk.length < room) {
          const next = await it.next();
          if (next.done) {
            exhausted = true;
            break;
          }
          chunk.push(next.value);
        }
      } catch (error) {
        fail(error);
      }
      submit(chunk);
    }
  };
  const refill = (): Promise<void> | undefined => {
    if (feeder !== undefined) return undefined;
    if (source.sync) {
      fillSync();
      return undefined;
    }
    filling ??= fillAsync().finally(() => {
      filling = undefined;
    });
    return filling;
  };
  // Start at once, as Python does; failures surface from next().
  const started = refill();

  // The feeder's queue is empty: submits what the window allows, else waits for a future or the end.
  const awaitFed = async (fed: MapFeeder<T, MapFuture<R>>): Promise<void> => {
    fed.topUp();
    while (queue.length === 0 && fed.more) await fed.changed();
    if (queue.length === 0) sourceError ??= fed.error();
  };

  const end = (): IteratorResult<R> => {
    closed = true;
    if (sourceError) {
      const { error } = sourceError;
      sourceError = undefined;
      throw error;
    }
    return { value: undefined, done: true };
  };

  const deliver = async (head: MapFuture<R>): Promise<IteratorResult<R>> => {
    try {
      const remaining = deadline === undefined ? undefined : Math.max(0, deadline - Date.now());
      const value = await head.result(remaining);
      void refill()?.catch(() => undefined);
      return { value, done: false };
    } catch (error) {
      cancelRest();
      if (error instanceof TimeoutError && !head.done()) {
        head.cancel();
        throw new TimeoutError(`${name}: results not ready within ${timeout} ms`, { cause: error });
      }
      throw error;
    }
  };

  const iterator: AsyncIterableIterator<R> = {
    async next(): Promise<IteratorResult<R>> {
      if (started !== undefined) await started;
      if (closed) return { value: undefined, done: true };
      if (queue.length === 0) await (feeder === undefined ? refill() : awaitFed(feeder));
      const head = queue.shift();
      if (head === undefined) return end();
      // Fast path: a result that is already there needs no promise round trip.
      if (head.done() && !head.cancelled()) {
        let value: R;
        try {
          value = head.resultNow();
        } catch (error) {
          cancelRest();
          throw error;
        }
        // As above: a failing async source surfaces from the next next(), not as an unhandled rejection.
        void refill()?.catch(() => undefined);
        return { value, done: false };
      }
      return deliver(head);
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
  items: Iterable<T> | AsyncIterable<T>;
  iterator: Iterator<T> | AsyncIterator<T>;
  sync: boolean;
}

function openSource<T>(items: Iterable<T> | AsyncIterable<T>, name: string): Source<T> {
  if (items !== null && typeof items === 'object' && typeof (items as AsyncIterable<T>)[Symbol.asyncIterator] === 'function') {
    return { items, iterator: (items as AsyncIterable<T>)[Symbol.asyncIterator](), sync: false };
  }
  if (items !== null && items !== undefined && typeof (items as Iterable<T>)[Symbol.iterator] === 'function') {
    return { items, iterator: (items as Iterable<T>)[Symbol.iterator](), sync: true };
  }
  throw new TypeError(`${name}: items must be an iterable or async iterable, got ${describe(items)}`);
}
