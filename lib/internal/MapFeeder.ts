import { types } from 'node:util';
import { CancelledError } from '../errors';
import { checkSchedulable } from './checkSchedulable';
import type { Fifo } from './Fifo';

/**
 * What the feeder needs of a future: lib/Future.ts's `Future` has it. Named
 * here, not imported, because the bottom floor never imports upwards.
 */
export interface FedFuture {
  cancel(): boolean;
  addDoneCallback(fn: () => void): void;
}

/**
 * What an executor offers `map` so that, without `buffersize`, it need not
 * create every item's Future at the call (see {@link MapFeeder}).
 */
export interface MapFeedHooks<T, R extends FedFuture> {
  /**
   * Read once per top-up: how many messages to keep in flight, and how many
   * calls go in one when the caller gave no `chunksize` (what the pool's
   * coalescing would join anyway; 1 until the task is measured).
   */
  window(): { messages: number; perMessage: number };
  /**
   * Submits one chunk of accepted items, one future per item. Called after
   * `shutdown()` too (the items were accepted before it); throws on a broken
   * pool or an exiting process.
   */
  submitChunk(items: T[], chunkGiven: boolean): R[];
  /** Told of the feed at the call; the function it returns is called once the feed will submit nothing more. */
  track(feed: MapFeed): () => void;
}

/** A live feed, as its executor's `shutdown()` sees it. */
export interface MapFeed {
  /**
   * The executor was shut down: from now on an item taken from `items` is
   * refused with `ShutdownError` at its position, as `submit` would refuse it
   * (only an async iterable still gives items then). With `cancel`, the
   * accepted items not submitted yet are dropped and the first one's position
   * throws `CancelledError`, as a cancelled future would.
   *
   * @returns resolves once every accepted item is submitted (or dropped); never rejects
   */
  shutdown(cancel: boolean): Promise<void>;
}

/**
 * `map` without `buffersize` on a pool: Python's `map` takes every item at
 * the call and submits them all at once. The feeder takes them all the same
 * way — a sync iterable is read whole inside `map()`, an async one is read
 * ahead as fast as it gives items, whatever the consumer does — but holds
 * them as plain values and submits only a window of calls (two messages per
 * worker), topped up as calls finish, not as the consumer reads. So every
 * taken item still runs whether or not anyone reads its result, while
 * 100,000 tiny items no longer mean 100,000 live Futures for the collector to
 * promote (it was ~30 % of the main thread, issue #15).
 *
 * Positions are kept: the futures go into the consumer's `queue` in input
 * order, and a reason not to submit (a broken pool, `shutdown` with
 * `cancelFutures`, an item refused after `shutdown`, the iterable's own
 * exception) surfaces from {@link MapFeeder.error} once the consumer has read
 * every result before it.
 */
export class MapFeeder<T, R extends FedFuture> implements MapFeed {
  // Taken and not yet submitted: #taken[#head ...], in input order (a chunk is a slice).
  #taken: T[] = [];
  #head = 0;
  // The iterable gave its last item, threw (#takeError), or will not be read further.
  #allTaken = false;
  // What the position after the last taken item throws: the iterable's exception, or a refused item's ShutdownError.
  #takeError: { error: unknown } | undefined;
  // Why nothing from #head on was submitted (a broken pool, cancelFutures): thrown at #head's position.
  #submitError: { error: unknown } | undefined;
  // shutdown() was called: items taken from now on are refused.
  #refusing = false;
  // The consumer ended (return(), a failure it read): nothing more is taken or submitted.
  #closed = false;
  // Calls submitted and not done (a chunk counts as done when its last call is: a message's calls end in order).
  #unfinished = 0;
  // The window of the last top-up, in calls: the next top-up waits until half of it is done, then
  // comes as one burst the pool finds queued together.
  #capacity = 1;
  // A top-up is running: a done callback inside it (a future failed at once) must not start another.
  #inTopUp = false;
  // The consumer waiting for a future, the end, or an error; shutdown() waiting for the accepted items.
  #wake: (() => void) | undefined;
  #drained: (() => void)[] = [];
  #untrack: (() => void) | undefined;
  // One done callback per chunk size (a feed sends chunks of one or two sizes): no closure per chunk.
  readonly #onChunkDone = new Map<number, () => void>();
  readonly #name: string;
  readonly #iterator: Iterator<T> | AsyncIterator<T>;
  readonly #queue: Fifo<R>;
  readonly #hooks: MapFeedHooks<T, R>;
  readonly #chunksize: number | undefined;

  /**
   * Takes the items (a sync iterable whole, now) and submits the first window.
   *
   * @param name - the method, for messages (`map`)
   * @param source - the opened iterable
   * @param queue - the consumer's queue: the futures go there in input order
   * @param chunksize - the caller's `chunksize`, or undefined: the pool chooses the chunks (they are invisible)
   */
  constructor(name: string, source: { items?: unknown; iterator: Iterator<T> | AsyncIterator<T>; sync: boolean }, queue: Fifo<R>, hooks: MapFeedHooks<T, R>, chunksize: number | undefined) {
    this.#name = name;
    this.#iterator = source.iterator;
    this.#queue = queue;
    this.#hooks = hooks;
    this.#chunksize = chunksize;
    this.#untrack = hooks.track(this);
    if (source.sync) this.#takeAll(source.iterator as Iterator<T>, source.items);
    else void this.#takeAsync(source.iterator as AsyncIterator<T>);
    this.topUp();
  }

  /** Whether more futures may still come into the queue. */
  get more(): boolean {
    return !this.#closed && this.#submitError === undefined && (this.#head < this.#taken.length || !this.#allTaken);
  }

  /** Resolves at the next change: a future queued, the last item taken, an error. */
  changed(): Promise<void> {
    return new Promise((resolve) => {
      const previous = this.#wake;
      this.#wake = previous === undefined ? resolve : () => (previous(), resolve());
    });
  }

  /** Once `more` is false and the queue is read: what the position after the last result throws, if anything (once). */
  error(): { error: unknown } | undefined {
    const error = this.#submitError ?? this.#takeError;
    this.#submitError = this.#takeError = undefined;
    return error;
  }

  /** The consumer ended: the items not submitted are dropped, the iterable is closed. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#drop();
    void this.#iterator.return?.();
    this.#changed();
  }

  shutdown(cancel: boolean): Promise<void> {
    this.#refusing = true;
    if (cancel && this.#head < this.#taken.length && this.#submitError === undefined) {
      this.#submitError = { error: new CancelledError(`${this.#name}: the item was not started: shutdown({ cancelFutures: true }) cancelled it`) };
      this.#drop();
      this.#changed();
    }
    if (this.#head >= this.#taken.length) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  /** Submits accepted items while the window has room, a chunk at a time. */
  topUp(): void {
    if (this.#inTopUp || this.#closed || this.#submitError !== undefined) return;
    this.#inTopUp = true;
    try {
      const { messages, perMessage } = this.#hooks.window();
      const size = this.#chunksize ?? Math.max(1, perMessage);
      this.#capacity = Math.max(1, messages) * size;
      while (this.#head < this.#taken.length && this.#submitError === undefined) {
        const n = Math.min(size, this.#taken.length - this.#head);
        if (this.#unfinished + n > this.#capacity) break;
        this.#submit(this.#taken.slice(this.#head, this.#head + n));
      }
    } finally {
      this.#inTopUp = false;
    }
    this.#compact();
    this.#changed();
  }

  #submit(chunk: T[]): void {
    let futures: R[];
    try {
      futures = this.#hooks.submitChunk(chunk, this.#chunksize !== undefined);
    } catch (error) {
      // A broken pool or an exiting process: this position throws it, the rest never runs.
      this.#submitError = { error };
      this.#drop();
      return;
    }
    this.#head += chunk.length;
    for (const f of futures) this.#queue.push(f);
    this.#unfinished += futures.length;
    // One callback per chunk, not per call. It runs at once for a future already done (#inTopUp keeps that from recursing).
    if (futures.length > 0) futures[futures.length - 1].addDoneCallback(this.#doneCallback(futures.length));
  }

  #doneCallback(calls: number): () => void {
    let callback = this.#onChunkDone.get(calls);
    if (callback === undefined) {
      callback = () => {
        this.#unfinished -= calls;
        if (this.#unfinished * 2 <= this.#capacity) this.topUp();
      };
      this.#onChunkDone.set(calls, callback);
    }
    return callback;
  }

  // A sync iterable is read whole at the call, as Python's map reads it; its exception comes after the items before it.
  #takeAll(it: Iterator<T>, items: unknown): void {
    // A plain array read by its own iterator gives what a copy holds: slice() is ~10× faster (issue #15).
    if (isPlainArray<T>(items)) {
      this.#taken = items.slice();
      this.#allTaken = true;
      return;
    }
    try {
      for (let next = it.next(); !next.done; next = it.next()) this.#taken.push(next.value);
    } catch (error) {
      this.#takeError = { error };
    }
    this.#allTaken = true;
  }

  // An async iterable is read ahead to its end whatever the consumer does. With a chunksize, items are
  // accepted a whole chunk at a time, so a chunk still is exactly `chunksize` items.
  async #takeAsync(it: AsyncIterator<T>): Promise<void> {
    const size = this.#chunksize ?? 1;
    let chunk: T[] = [];
    try {
      for (;;) {
        const next = await it.next();
        // The consumer ended, or nothing more can be submitted: stop reading (as a failed submit stopped it before).
        if (this.#closed || this.#submitError !== undefined) return;
        if (next.done) break;
        chunk.push(next.value);
        if (chunk.length < size) continue;
        if (!this.#accept(chunk)) return;
        chunk = [];
      }
      if (chunk.length > 0) this.#accept(chunk);
    } catch (error) {
      if (chunk.length > 0 && !this.#refusing) this.#accept(chunk);
      this.#takeError ??= { error };
    } finally {
      this.#allTaken = true;
      this.#changed();
    }
  }

  // Takes a chunk from an async iterable, unless shutdown() came first: then its position throws ShutdownError.
  #accept(chunk: T[]): boolean {
    if (this.#refusing) {
      try {
        checkSchedulable(this.#name, true);
      } catch (error) {
        this.#takeError = { error };
      }
      return false;
    }
    for (const x of chunk) this.#taken.push(x);
    this.topUp();
    return true;
  }

  #drop(): void {
    this.#taken = [];
    this.#head = 0;
  }

  // Forgets submitted items once they are most of the array, so memory follows what is left to submit.
  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#taken.length) {
      this.#taken = this.#taken.slice(this.#head);
      this.#head = 0;
    }
  }

  #changed(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
    if (this.#head >= this.#taken.length) {
      for (const resolve of this.#drained.splice(0)) resolve();
      if (!this.more) {
        this.#untrack?.();
        this.#untrack = undefined;
      }
    }
  }
}

// What iterating an array runs, as the language defines it: a copy gives the same items unless one of these was replaced.
const kArrayValues = Array.prototype[Symbol.iterator];
const kArrayIteratorNext = Object.getPrototypeOf([][Symbol.iterator]()).next as unknown;

function isPlainArray<T>(items: unknown): items is T[] {
  return (
    Array.isArray(items) &&
    !types.isProxy(items) &&
    (items as unknown[])[Symbol.iterator] === kArrayValues &&
    Object.getPrototypeOf([][Symbol.iterator]()).next === kArrayIteratorNext
  );
}
