import { CancelledError, TimeoutError } from '../errors';
import { Fifo } from './Fifo';
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

/**
 * How an executor lets `map` run ahead of its consumer when no `buffersize`
 * is given. Python's map submits every item at once; holding 100,000 live
 * futures made the collector promote them all (GC was ~30 % of the main
 * thread, issue #15). A feed keeps only `window()` calls submitted and
 * unfinished, and tops them up as calls finish — not as the consumer pulls —
 * so every item still runs whether or not anyone reads the results, as in
 * Python. The executor tracks live feeds so that `shutdown()` waits for
 * (or, with `cancelFutures`, cancels) the items not submitted yet.
 */
export interface MapFeedHooks<T, R> {
  /**
   * Read once per top-up: how many calls to keep submitted and unfinished, and
   * how many to send per message when the caller gave no `chunksize` (what
   * the pool's coalescing would join anyway).
   */
  window(): { calls: number; perMessage: number };
  /** Submits one chunk for a feed; may be called after `shutdown()` (the map was accepted before it). */
  submitChunk(items: T[]): MapFuture<R>[];
  /** Told of the feed once, at the call; `feed.fed` settles once it submits nothing more. */
  track(feed: MapFeed): void;
}

/** A live feed, as the executor sees it. */
export interface MapFeed {
  /** Resolves once every item is submitted, or the map ended or was cancelled. Never rejects. */
  readonly fed: Promise<void>;
  /** shutdown({ cancelFutures: true }): submit nothing more; the first unsubmitted item's position throws CancelledError. */
  cancel(): void;
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
 * counts from the call.
 *
 * @param submitChunk - submits one chunk, returning one Future per item
 */
export function orderedMap<T, R>(
  name: string,
  submitChunk: (items: T[]) => MapFuture<R>[],
  items: Iterable<T> | AsyncIterable<T>,
  options: MapOptionsLike = {},
  hooks?: MapFeedHooks<T, R>,
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
  // Feeding (no buffersize and an executor that offers it): the window counts unfinished calls, not unread results.
  const feeding = hooks !== undefined && (options?.buffersize === undefined || options.buffersize === null);
  // Feeding: calls submitted and not done.
  let unfinished = 0;
  // A sync fill is running: a done callback inside it must not start another (it would interleave positions).
  let inFill = false;
  // shutdown({ cancelFutures: true }) reached the feed: the next item read becomes a CancelledError.
  let cancelRequested = false;
  let markFed: (() => void) | undefined;
  const fed = feeding ? new Promise<void>((resolve) => (markFed = resolve)) : undefined;
  // The executor's shutdown waits for this: called whenever nothing more will be submitted.
  const checkFed = (): void => {
    if (markFed !== undefined && (closed || exhausted)) {
      markFed();
      markFed = undefined;
    }
  };
  // How many calls count against the window, and the window now.
  const ahead = (): number => (feeding ? unfinished : queue.length);
  // Items per submitted chunk: `chunksize`, or while feeding without one, the executor's message size.
  const chunkGiven = options?.chunksize !== undefined && options.chunksize !== null;
  let step = chunksize;
  const limit = (): number => {
    if (!feeding) return buffersize;
    const { calls, perMessage } = hooks!.window();
    if (!chunkGiven) step = Math.max(1, Math.min(perMessage, calls));
    return calls;
  };
  // Whether the fill loop may take another chunk under `max`.
  const hasRoom = (max: number): boolean => {
    const room = max - ahead();
    // Wait until a whole chunk fits: refilling after every result took one item at a time,
    // so every chunk after the first window went out as a one-item job (issue #15).
    return room > 0 && !(room < step && ahead() > 0);
  };
  // Feeding: the window of the last top-up. Calls are topped up once half of it is done, in one burst
  // (the pool then finds them queued together and coalesces them), and window() is asked once per burst.
  let lastMax = 0;
  // Told when the last call of a chunk is done (a chunk's calls finish in order, one message each).
  const onChunkDone = (calls: number): void => {
    unfinished -= calls;
    if (!inFill && !closed && !exhausted && unfinished * 2 <= lastMax) void refill()?.catch(() => undefined);
  };

  const cancelRest = (): void => {
    closed = true;
    for (const f of queue.drain()) f.cancel();
    void source.iterator.return?.();
    checkFed();
  };

  const submit = (chunk: T[]): void => {
    if (closed || chunk.length === 0) return;
    try {
      if (feeding) {
        const futures = hooks!.submitChunk(chunk);
        for (const f of futures) queue.push(f);
        unfinished += futures.length;
        // One callback per chunk, not per call. Runs at once for a future that is done already (inFill keeps that from recursing).
        if (futures.length > 0) futures[futures.length - 1].addDoneCallback(() => onChunkDone(futures.length));
        return;
      }
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

  // Takes items until `buffersize` are outstanding (feeding: until the window is full), a chunk at a
  // time. Sync sources are read without awaiting: a microtask per item is measurable.
  const fillSync = (): void => {
    const it = source.iterator as Iterator<T>;
    inFill = true;
    try {
      const max = (lastMax = limit());
      while (!closed && !exhausted && (cancelRequested || hasRoom(max))) {
        const room = Math.max(1, Math.min(step, max - ahead()));
        const chunk: T[] = [];
        try {
          while (chunk.length < room) {
            const next = it.next();
            if (next.done) {
              exhausted = true;
              break;
            }
            if (cancelRequested) {
              cancelFeed();
              break;
            }
            chunk.push(next.value);
          }
        } catch (error) {
          fail(error);
        }
        submit(chunk);
      }
    } finally {
      inFill = false;
      checkFed();
    }
  };
  const fillAsync = async (): Promise<void> => {
    const it = source.iterator as AsyncIterator<T>;
    const max = (lastMax = limit());
    while (!closed && !exhausted && (cancelRequested || hasRoom(max))) {
      const room = Math.max(1, Math.min(step, max - ahead()));
      const chunk: T[] = [];
      try {
        while (chunk.length < room) {
          const next = await it.next();
          if (next.done) {
            exhausted = true;
            break;
          }
          if (cancelRequested) {
            cancelFeed();
            break;
          }
          chunk.push(next.value);
        }
      } catch (error) {
        fail(error);
      }
      submit(chunk);
    }
    checkFed();
  };
  // An item was left when shutdown cancelled the feed: it surfaces there as cancelled, as Python's cancelled future would.
  const cancelFeed = (): void => {
    fail(new CancelledError(`${name}: the item was not started: shutdown({ cancelFutures: true }) cancelled it`));
    void source.iterator.return?.();
  };
  const refill = (): Promise<void> | undefined => {
    if (source.sync) {
      fillSync();
      return undefined;
    }
    filling ??= fillAsync().finally(() => {
      filling = undefined;
      // Calls that finished while this fill was awaiting the source asked for room it could not see.
      if (feeding && !closed && !exhausted && (cancelRequested || hasRoom(limit()))) void refill()?.catch(() => undefined);
    });
    return filling;
  };
  // Start at once, as Python does; failures surface from next().
  const started = refill();
  if (feeding) {
    hooks!.track({
      fed: fed!,
      cancel: () => {
        if (closed || exhausted) return;
        cancelRequested = true;
        void refill()?.catch(() => undefined);
      },
    });
    checkFed();
  }

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
      if (queue.length === 0) await refill();
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
  iterator: Iterator<T> | AsyncIterator<T>;
  sync: boolean;
}

function openSource<T>(items: Iterable<T> | AsyncIterable<T>, name: string): Source<T> {
  if (items !== null && typeof items === 'object' && typeof (items as AsyncIterable<T>)[Symbol.asyncIterator] === 'function') {
    return { iterator: (items as AsyncIterable<T>)[Symbol.asyncIterator](), sync: false };
  }
  if (items !== null && items !== undefined && typeof (items as Iterable<T>)[Symbol.iterator] === 'function') {
    return { iterator: (items as Iterable<T>)[Symbol.iterator](), sync: true };
  }
  throw new TypeError(`${name}: items must be an iterable or async iterable, got ${describe(items)}`);
}
