import { CancelledError, ThreadPoolExecutor } from '../../lib';
import { Flags } from '../helpers/flags';

// Without buffersize, map keeps a window of calls submitted and tops it up as calls finish
// (lib/internal/orderedMap.ts, "feeding"). These specs hold it to Python's map, which submits
// every item at the call: items run whether or not anyone reads, shutdown waits for them, and
// breaking, an exception or cancelFutures still stop what is left. N is far beyond the window.
const N = 6_000;

// Cell 0 counts the calls that ran; cell 1 is a gate every call waits on while it is 0 (when asked);
// cell 2 counts the calls that reached the gate.
type Item = [Int32Array, number, boolean];
function counted(args: Item): number {
  const [cells, i, gated] = args;
  if (gated) {
    Atomics.add(cells, 2, 1);
    Atomics.notify(cells, 2);
    Atomics.wait(cells, 1, 0);
  }
  Atomics.add(cells, 0, 1);
  Atomics.notify(cells, 0);
  if (i === -1) throw new RangeError('never');
  return i * 2;
}

function items(cells: Int32Array, n: number, gated = false): Item[] {
  return Array.from({ length: n }, (_, i) => [cells, i, gated] as Item);
}

// Resolves once cells[cell] reaches n (Atomics.waitAsync on each change: no polling, no sleep).
async function untilRan(cells: Int32Array, n: number, cell = 0): Promise<void> {
  for (let seen = Atomics.load(cells, cell); seen < n; seen = Atomics.load(cells, cell)) {
    const wait = Atomics.waitAsync(cells, cell, seen, 20_000);
    if ((wait.async ? await wait.value : wait.value) === 'timed-out') throw new Error(`only ${Atomics.load(cells, cell)} of ${n} calls ran`);
  }
}

/** @test {ThreadPoolExecutor#map} */
describe('ThreadPoolExecutor.map without buffersize', () => {
  let pool: ThreadPoolExecutor;
  afterEach(async () => {
    await pool?.shutdown({ cancelFutures: true });
  });

  it('should run every item though nobody reads the results', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const flags = new Flags(3);
    const it = pool.map(counted, items(flags.array, N));
    await untilRan(flags.array, N);
    let k = 0;
    for await (const y of it) expect(y).toBe(2 * k++);
    expect(k).toBe(N);
    expect(Atomics.load(flags.array, 0)).toBe(N);
  });

  it('should make shutdown({ wait: true }) wait for the items map accepted, then yield them all', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const flags = new Flags(3);
    const it = pool.map(counted, items(flags.array, N));
    await pool.shutdown({ wait: true });
    expect(Atomics.load(flags.array, 0)).toBe(N);
    let k = 0;
    for await (const y of it) expect(y).toBe(2 * k++);
    expect(k).toBe(N);
  });

  it('should do the same for an async iterable', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const flags = new Flags(3);
    async function* source(): AsyncGenerator<Item> {
      for (const item of items(flags.array, N)) yield item;
    }
    const it = pool.map(counted, source());
    await pool.shutdown({ wait: true });
    expect(Atomics.load(flags.array, 0)).toBe(N);
    let k = 0;
    for await (const y of it) expect(y).toBe(2 * k++);
    expect(k).toBe(N);
  });

  it.each([
    ['an array', (xs: Item[]): Iterable<Item> => xs],
    [
      'an async iterable',
      (xs: Item[]): AsyncIterable<Item> =>
        (async function* () {
          yield* xs;
        })(),
    ],
  ])('should cancel the items not started on shutdown({ cancelFutures: true }), yielding CancelledError at the first (%s)', async (_, wrap) => {
    pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const flags = new Flags(3);
    // Every call waits at the gate: two run (one per worker), the rest of the window waits.
    const it = pool.map(counted, wrap(items(flags.array, N, true)));
    await untilRan(flags.array, 2, 2);
    const closed = pool.shutdown({ cancelFutures: true });
    flags.release(1);
    await closed;
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const y of it) seen.push(y);
      })(),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(seen).toEqual([0, 2]);
    // Only the two calls that had started ran: the feed submitted nothing after the shutdown.
    expect(Atomics.load(flags.array, 0)).toBe(2);
  });

  it('should throw an exception at its position far beyond the window, after every result before it', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const flags = new Flags(3);
    const xs = items(flags.array, N);
    xs[N - 10] = [flags.array, -1, false];
    let k = 0;
    await expect(
      (async () => {
        for await (const y of pool.map(counted, xs)) expect(y).toBe(2 * k++);
      })(),
    ).rejects.toMatchObject({ name: 'RangeError', message: 'never' });
    expect(k).toBe(N - 10);
  });

  it('should stop submitting and cancel what is left when the consumer breaks', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const flags = new Flags(3);
    const big = 200_000;
    let taken = 0;
    function* source(): Generator<Item> {
      for (let i = 0; i < big; i++) {
        taken += 1;
        yield [flags.array, i, false];
      }
    }
    let k = 0;
    for await (const y of pool.map(counted, source())) {
      expect(y).toBe(2 * k++);
      if (k === 100) break;
    }
    const takenAtBreak = taken;
    await pool.shutdown({ wait: true });
    // Nothing was taken from the source after the break, and far from all of it before.
    expect(taken).toBe(takenAtBreak);
    expect(taken).toBeLessThan(big / 4);
    expect(Atomics.load(flags.array, 0)).toBeLessThanOrEqual(taken);
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
