import { CancelledError, ShutdownError, ThreadPoolExecutor, TimeoutError } from '../../lib';
import { Flags } from '../helpers/flags';

// Without buffersize, map takes every item at the call, as Python's map does, but submits a window
// of calls at a time and tops it up as calls finish (lib/internal/MapFeeder.ts). These specs hold
// the windowed path to what submitting everything at the call would show: N is far beyond the window
// (2 messages per worker, 1 call each until the task is measured).
const N = 6_000;

// cells[0] counts the calls that ran; cells[1] is a gate every gated call waits on while it is 0;
// cells[2] counts the calls that reached the gate; cells[3 + i] counts the runs of item i.
const kRan = 0;
const kGate = 1;
const kAtGate = 2;
type Item = [Int32Array, number, boolean];
function counted(args: Item): number {
  const [cells, i, gated] = args;
  if (gated) {
    Atomics.add(cells, 2, 1);
    Atomics.notify(cells, 2);
    Atomics.wait(cells, 1, 0);
  }
  if (i >= 0) Atomics.add(cells, 3 + i, 1);
  Atomics.add(cells, 0, 1);
  Atomics.notify(cells, 0);
  if (i === -1) throw new RangeError('never');
  return i * 2;
}

function newCells(): Flags {
  return new Flags(3 + N);
}

function items(cells: Int32Array, n: number, gated = false): Item[] {
  return Array.from({ length: n }, (_, i) => [cells, i, gated] as Item);
}

// Resolves once cells[cell] reaches n (Atomics.waitAsync on each change: no polling, no sleep).
async function untilRan(cells: Int32Array, n: number, cell = kRan): Promise<void> {
  for (let seen = Atomics.load(cells, cell); seen < n; seen = Atomics.load(cells, cell)) {
    const wait = Atomics.waitAsync(cells, cell, seen, 20_000);
    if ((wait.async ? await wait.value : wait.value) === 'timed-out') throw new Error(`only ${Atomics.load(cells, cell)} of ${n} calls ran`);
  }
}

/** An async iterable of `xs` that counts what was taken from it and says when it was read to the end. */
function asyncSource<T>(xs: T[]): { iterable: AsyncIterable<T>; taken: () => number; finished: Promise<void> } {
  let taken = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  async function* read(): AsyncGenerator<T> {
    try {
      for (const x of xs) {
        taken += 1;
        yield x;
      }
    } finally {
      finish();
    }
  }
  return { iterable: read(), taken: () => taken, finished };
}

async function readAll<T>(it: AsyncIterable<T>, seen: T[] = []): Promise<T[]> {
  for await (const y of it) seen.push(y);
  return seen;
}

/** @test {ThreadPoolExecutor#map} */
describe('ThreadPoolExecutor.map without buffersize', () => {
  let pool: ThreadPoolExecutor;
  let cells: Flags;
  beforeEach(() => {
    pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    cells = newCells();
  });
  afterEach(async () => {
    cells.release(kGate);
    await pool.shutdown({ cancelFutures: true });
  });

  it('should take every item of a sync iterable inside map(), as Python does', () => {
    let taken = 0;
    let finished = false;
    function* source(): Generator<Item> {
      try {
        for (const item of items(cells.array, N, true)) {
          taken += 1;
          yield item;
        }
      } finally {
        finished = true;
      }
    }
    pool.map(counted, source());
    expect(taken).toBe(N);
    expect(finished).toBe(true);
  });

  it("should throw a sync iterable's exception after the results before it, the iterable read inside map()", async () => {
    const at = N - 3;
    let reached = false;
    function* source(): Generator<Item> {
      for (let i = 0; i < N; i++) {
        if (i === at) {
          reached = true;
          throw new SyntaxError('the iterable failed');
        }
        yield [cells.array, i, false];
      }
    }
    const it = pool.map(counted, source());
    expect(reached).toBe(true);
    const seen: number[] = [];
    await expect(readAll(it, seen)).rejects.toThrow(SyntaxError);
    expect(seen).toEqual(Array.from({ length: at }, (_, i) => 2 * i));
  });

  it('should read an async iterable to its end though nobody reads and every call waits', async () => {
    const source = asyncSource(items(cells.array, N, true));
    const it = pool.map(counted, source.iterable);
    await source.finished;
    expect(source.taken()).toBe(N);
    // Two calls run (one per worker), the rest of the window waits: far from every item was submitted.
    await untilRan(cells.array, 2, kAtGate);
    cells.release(kGate);
    expect((await readAll(it)).length).toBe(N);
  });

  it('should run every item exactly once though nobody reads the results', async () => {
    const it = pool.map(counted, items(cells.array, N));
    await untilRan(cells.array, N);
    expect(await readAll(it)).toEqual(Array.from({ length: N }, (_, i) => 2 * i));
    expect(Atomics.load(cells.array, kRan)).toBe(N);
    for (let i = 0; i < N; i++) if (Atomics.load(cells.array, 3 + i) !== 1) throw new Error(`item ${i} ran ${Atomics.load(cells.array, 3 + i)} times`);
  });

  it.each([
    ['an array', (xs: Item[]) => ({ iterable: xs as Iterable<Item>, finished: Promise.resolve() })],
    ['an async iterable read to its end', (xs: Item[]) => asyncSource(xs)],
  ])('should make shutdown({ wait: true }) wait for every item taken, then yield them all (%s)', async (_, wrap) => {
    const source = wrap(items(cells.array, N, true));
    const it = pool.map(counted, source.iterable);
    await source.finished;
    await untilRan(cells.array, 2, kAtGate);
    const closed = pool.shutdown({ wait: true });
    cells.release(kGate);
    await closed;
    expect(Atomics.load(cells.array, kRan)).toBe(N);
    expect((await readAll(it)).length).toBe(N);
  });

  it('should refuse what an async iterable gives after shutdown with ShutdownError at its position, and not wait for it', async () => {
    const first = 50;
    let more!: () => void;
    const gate = new Promise<void>((resolve) => (more = resolve));
    let taken = 0;
    async function* source(): AsyncGenerator<Item> {
      for (let i = 0; i < N; i++) {
        if (i === first) await gate;
        taken += 1;
        yield [cells.array, i, false];
      }
    }
    const it = pool.map(counted, source());
    // The pool's shutdown waits for the items taken before it, not for the iterable.
    await untilRan(cells.array, first);
    await pool.shutdown({ wait: true });
    expect(taken).toBe(first);
    more();
    const seen: number[] = [];
    await expect(readAll(it, seen)).rejects.toBeInstanceOf(ShutdownError);
    expect(seen).toEqual(Array.from({ length: first }, (_, i) => 2 * i));
  });

  it.each([
    ['an array', (xs: Item[]) => ({ iterable: xs as Iterable<Item>, finished: Promise.resolve() })],
    ['an async iterable read to its end', (xs: Item[]) => asyncSource(xs)],
  ])('should cancel the items not started on shutdown({ cancelFutures: true }), CancelledError at the first (%s)', async (_, wrap) => {
    // Every call waits at the gate: two run (one per worker), the rest of the window waits.
    const source = wrap(items(cells.array, N, true));
    const it = pool.map(counted, source.iterable);
    await source.finished;
    await untilRan(cells.array, 2, kAtGate);
    const closed = pool.shutdown({ cancelFutures: true });
    cells.release(kGate);
    await closed;
    const seen: number[] = [];
    await expect(readAll(it, seen)).rejects.toBeInstanceOf(CancelledError);
    expect(seen).toEqual([0, 2]);
    // Only the two calls that had started ran: nothing was submitted after the shutdown.
    expect(Atomics.load(cells.array, kRan)).toBe(2);
  });

  it('should throw an exception at its position far beyond the window, after every result before it', async () => {
    const xs = items(cells.array, N);
    xs[N - 10] = [cells.array, -1, false];
    const seen: number[] = [];
    await expect(readAll(pool.map(counted, xs), seen)).rejects.toMatchObject({ name: 'RangeError', message: 'never' });
    expect(seen).toEqual(Array.from({ length: N - 10 }, (_, i) => 2 * i));
  });

  it('should count the timeout from the call', async () => {
    const xs = items(cells.array, N, true);
    xs[0] = [cells.array, 0, false];
    const timeout = 400;
    const called = Date.now();
    const it = pool.map(counted, xs, { timeout });
    await untilRan(cells.array, 1);
    // Read only after the deadline: the first result is there; the second fails at once, not `timeout` later.
    await new Promise((resolve) => setTimeout(resolve, timeout + 100 - (Date.now() - called)));
    expect(await it.next()).toEqual({ value: 0, done: false });
    const asked = Date.now();
    await expect(it.next()).rejects.toBeInstanceOf(TimeoutError);
    expect(Date.now() - asked).toBeLessThan(timeout);
  });

  it('should submit nothing more and cancel what is left when the consumer breaks', async () => {
    // The first call runs; the others wait at the gate until the consumer has broken off. (Only the
    // first: a call behind the gate in one message with earlier ones would hold their results back.)
    const xs = items(cells.array, N, true);
    xs[0] = [cells.array, 0, false];
    for await (const y of pool.map(counted, xs)) {
      expect(y).toBe(0);
      break;
    }
    cells.release(kGate);
    await pool.shutdown({ wait: true });
    // What ran after the break is what had started: not the rest of the items.
    expect(Atomics.load(cells.array, kRan)).toBeLessThan(N / 2);
  });
});

/** @test {ThreadPoolExecutor#map} */
describe('ThreadPoolExecutor.map with an argument that cannot be sent', () => {
  let pool: ThreadPoolExecutor;
  afterEach(async () => {
    await pool?.shutdown({ cancelFutures: true });
  });

  // With a chunksize the chunk fails whole, as Python fails a chunk it cannot pickle (spec/threadPool/errors.spec.ts).
  it('should fail only that item, at its position, though the pool sent it in one message with its neighbours', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const double = (x: number): number => x * 2;
    // Measured first: the pool then sends this tiny task's items many to a message.
    for await (const _ of pool.map(double, Array.from({ length: 2_000 }, (_, i) => i))) void _;
    const xs: unknown[] = Array.from({ length: N }, (_, i) => i);
    xs[N - 7] = Symbol('unsendable');
    let k = 0;
    await expect(
      (async () => {
        for await (const y of pool.map(double, xs as number[])) expect(y).toBe(2 * k++);
      })(),
    ).rejects.toMatchObject({ name: 'DataCloneError', message: expect.stringContaining('symbol') });
    expect(k).toBe(N - 7);
  });
});
