import { CancelledError, ShutdownError } from '../../lib/errors';
import { Future } from '../../lib/Future';
import { Fifo } from '../../lib/internal/Fifo';
import { MapFeeder, type MapFeed } from '../../lib/internal/MapFeeder';

// The feeder against a hand-driven executor: every chunk it submits is recorded with its futures,
// and the spec ends them when it chooses, so what is submitted when can be asserted exactly.
class FakeExecutor {
  readonly chunks: { items: number[]; futures: Future<number>[] }[] = [];
  feeds = new Set<MapFeed>();
  messages = 2;
  perMessage = 3;
  broken: Error | undefined;

  hooks = {
    window: () => ({ messages: this.messages, perMessage: this.perMessage }),
    submitChunk: (items: number[]): Future<number>[] => {
      if (this.broken !== undefined) throw this.broken;
      const futures = items.map(() => new Future<number>());
      this.chunks.push({ items, futures });
      return futures;
    },
    track: (feed: MapFeed) => {
      this.feeds.add(feed);
      return () => this.feeds.delete(feed);
    },
  };

  get submitted(): number[] {
    return this.chunks.flatMap((c) => c.items);
  }

  /** Ends every submitted call not ended yet, in order, with twice its item. */
  finishAll(): void {
    for (const { items, futures } of this.chunks) futures.forEach((f, i) => !f.done() && f.setResult(items[i] * 2));
  }
}

function sync(xs: number[]): { iterator: Iterator<number>; sync: boolean } {
  return { iterator: xs[Symbol.iterator](), sync: true };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** @test {MapFeeder} */
describe('MapFeeder', () => {
  let executor: FakeExecutor;
  let queue: Fifo<Future<number>>;
  beforeEach(() => {
    executor = new FakeExecutor();
    queue = new Fifo();
  });

  it('should take a sync iterable whole at once and submit only the window: messages × perMessage calls', () => {
    let taken = 0;
    function* source(): Generator<number> {
      for (let i = 0; i < 100; i++, taken++) yield i;
    }
    new MapFeeder('map', { iterator: source(), sync: true }, queue, executor.hooks, undefined);
    expect(taken).toBe(100);
    expect(executor.chunks.map((c) => c.items)).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(queue.length).toBe(6);
  });

  it('should copy a plain array at the call, and read an array with its own iterator through that iterator', () => {
    const xs = range(10);
    new MapFeeder('map', { items: xs, iterator: xs[Symbol.iterator](), sync: true }, queue, executor.hooks, undefined);
    xs.fill(-1);
    executor.finishAll();
    executor.finishAll();
    expect(executor.submitted).toEqual(range(10));

    const own = range(4);
    own[Symbol.iterator] = function* (): Generator<number, undefined> {
      yield 42;
      return undefined;
    };
    const other = new FakeExecutor();
    new MapFeeder('map', { items: own, iterator: own[Symbol.iterator](), sync: true }, new Fifo<Future<number>>(), other.hooks, undefined);
    expect(other.submitted).toEqual([42]);
  });

  it('should top the window up in one burst once half of it is done, not as the consumer reads', () => {
    new MapFeeder('map', sync(range(100)), queue, executor.hooks, undefined);
    executor.chunks[0].futures.forEach((f) => f.setResult(0));
    // Half the window (3 of 6 calls) is done: topped up to 6 unfinished calls again.
    expect(executor.submitted).toEqual(range(9));
    for (let i = 0; i < 40; i++) executor.finishAll();
    expect(executor.submitted).toEqual(range(100));
    expect(queue.length).toBe(100);
  });

  it('should send chunks of exactly the chunksize given: the window counts messages', () => {
    executor.messages = 1;
    new MapFeeder('map', sync(range(25)), queue, executor.hooks, 10);
    expect(executor.chunks.map((c) => c.items.length)).toEqual([10]);
    executor.finishAll();
    executor.finishAll();
    expect(executor.chunks.map((c) => c.items.length)).toEqual([10, 10, 5]);
  });

  it('should make shutdown(false) resolve only once every taken item is submitted', async () => {
    const feeder = new MapFeeder('map', sync(range(30)), queue, executor.hooks, undefined);
    let fed = false;
    void feeder.shutdown(false).then(() => (fed = true));
    for (let round = 0; executor.submitted.length < 30; round++) {
      await Promise.resolve();
      expect(fed).toBe(false);
      executor.finishAll();
      expect(round).toBeLessThan(30);
    }
    await Promise.resolve();
    expect(fed).toBe(true);
    // Nothing more to submit: the executor no longer tracks it.
    expect(executor.feeds.size).toBe(0);
  });

  it('should drop the taken items on shutdown(true): CancelledError after the submitted ones', async () => {
    const feeder = new MapFeeder('map', sync(range(30)), queue, executor.hooks, undefined);
    await feeder.shutdown(true);
    executor.finishAll();
    expect(executor.submitted).toEqual(range(6));
    expect(feeder.more).toBe(false);
    expect(queue.length).toBe(6);
    expect(feeder.error()?.error).toBeInstanceOf(CancelledError);
  });

  it("should throw a sync iterable's exception after every item before it", () => {
    function* source(): Generator<number> {
      yield 0;
      yield 1;
      throw new SyntaxError('bad source');
    }
    const feeder = new MapFeeder('map', { iterator: source(), sync: true }, queue, executor.hooks, undefined);
    expect(executor.submitted).toEqual([0, 1]);
    expect(feeder.more).toBe(false);
    expect(feeder.error()?.error).toBeInstanceOf(SyntaxError);
    expect(feeder.error()).toBeUndefined();
  });

  it('should refuse an item an async iterable gives after shutdown, and not wait for the iterable', async () => {
    let more!: () => void;
    const gate = new Promise<void>((resolve) => (more = resolve));
    async function* source(): AsyncGenerator<number> {
      yield 0;
      await gate;
      yield 1;
    }
    const feeder = new MapFeeder('map', { iterator: source(), sync: false }, queue, executor.hooks, undefined);
    while (executor.submitted.length < 1) await feeder.changed();
    await feeder.shutdown(false);
    more();
    while (feeder.more) await feeder.changed();
    expect(executor.submitted).toEqual([0]);
    expect(feeder.error()?.error).toBeInstanceOf(ShutdownError);
  });

  it('should accept an async iterable a whole chunksize chunk at a time', async () => {
    async function* source(): AsyncGenerator<number> {
      yield* range(7);
    }
    const feeder = new MapFeeder('map', { iterator: source(), sync: false }, queue, executor.hooks, 3);
    for (let round = 0; feeder.more && round < 100; round++) {
      executor.finishAll();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(feeder.more).toBe(false);
    expect(executor.chunks.map((c) => c.items)).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });

  it('should stop at a submit that throws (a broken pool): its position throws it, nothing after it is submitted', () => {
    const feeder = new MapFeeder('map', sync(range(30)), queue, executor.hooks, undefined);
    executor.broken = new Error('broken');
    executor.finishAll();
    expect(executor.submitted).toEqual(range(6));
    expect(feeder.more).toBe(false);
    expect(feeder.error()?.error).toBe(executor.broken);
  });

  it('should submit nothing more once closed by the consumer, and close the iterable', async () => {
    let closed = false;
    async function* source(): AsyncGenerator<number> {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    const feeder = new MapFeeder('map', { iterator: source(), sync: false }, queue, executor.hooks, undefined);
    while (executor.submitted.length < 6) await feeder.changed();
    feeder.close();
    const before = executor.submitted.length;
    executor.finishAll();
    await new Promise((resolve) => setImmediate(resolve));
    expect(executor.submitted.length).toBe(before);
    expect(closed).toBe(true);
    expect(feeder.more).toBe(false);
  });
});
