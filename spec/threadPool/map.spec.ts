import path from 'node:path';
import { ThreadPoolExecutor, TimeoutError, taskModule } from '../../lib';
import { Flags } from '../helpers/flags';

const tasks = taskModule<typeof import('../fixtures/tasks')>(path.join(__dirname, '../fixtures/tasks.ts'));

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** @test {ThreadPoolExecutor#map} */
describe('ThreadPoolExecutor.map', () => {
  let pool: ThreadPoolExecutor;
  afterEach(async () => {
    await pool?.shutdown({ cancelFutures: true });
  });

  it('should yield results in input order', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const xs = Array.from({ length: 50 }, (_, i) => i);
    expect(await collect(pool.map(tasks.double, xs))).toEqual(xs.map((x) => x * 2));
  });

  it('should yield in input order while later items finish first', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const flags = new Flags();
    const finishOrder: number[] = [];
    // Item 0 blocks until item 1 has finished.
    const it = pool.map((args: [Int32Array, number]) => {
      const [f, i] = args;
      if (i === 0) Atomics.wait(f, 1, 0);
      else {
        Atomics.store(f, 1, 1);
        Atomics.notify(f, 1);
      }
      return i;
    }, [[flags.array, 0] as [Int32Array, number], [flags.array, 1] as [Int32Array, number]]);
    const results = await collect(it);
    finishOrder.push(...results);
    expect(results).toEqual([0, 1]);
  });

  it('should accept an async iterable', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    async function* source(): AsyncGenerator<number> {
      for (let i = 0; i < 5; i++) yield i;
    }
    expect(await collect(pool.map(tasks.double, source()))).toEqual([0, 2, 4, 6, 8]);
  });

  it('should throw a task exception at its position and cancel the rest', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const seen: number[] = [];
    const it = pool.map((x: number) => {
      if (x === 2) throw new RangeError(`bad ${x}`);
      return x;
    }, [0, 1, 2, 3, 4]);
    await expect(
      (async () => {
        for await (const x of it) seen.push(x);
      })(),
    ).rejects.toMatchObject({ name: 'RangeError', message: 'bad 2' });
    expect(seen).toEqual([0, 1]);
  });

  it('should send chunksize items per message with the same results', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const xs = Array.from({ length: 101 }, (_, i) => i);
    expect(await collect(pool.map(tasks.double, xs, { chunksize: 10 }))).toEqual(xs.map((x) => 2 * x));
    // A chunk is one worker trip: all items of a chunk ran on the same thread.
    const threads = await collect(pool.map(tasks.whichThread, [1, 2, 3, 4, 5, 6], { chunksize: 3 }));
    expect(threads[0]).toBe(threads[1]);
    expect(threads[1]).toBe(threads[2]);
    expect(threads[3]).toBe(threads[5]);
  });

  it('should take at most buffersize items ahead of the consumer from an endless input', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    let taken = 0;
    function* endless(): Generator<number> {
      for (let i = 0; ; i++) {
        taken += 1;
        yield i;
      }
    }
    const it = pool.map(tasks.double, endless(), { buffersize: 4 });
    const first: number[] = [];
    for await (const x of it) {
      first.push(x);
      if (first.length === 10) break;
    }
    expect(first).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(taken).toBeLessThanOrEqual(10 + 4 + 1);
  });

  it('should cancel what is left when the consumer stops early', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const flags = new Flags();
    const items = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => [flags.array, i] as [Int32Array, number]);
    const it = pool.map((args: [Int32Array, number]) => {
      const [f, i] = args;
      if (i === 0) {
        Atomics.store(f, 0, 1);
        Atomics.notify(f, 0);
        Atomics.wait(f, 1, 0);
      }
      return i;
    }, items);
    await flags.waitFor(0); // item 0 runs, items 1..7 wait for the only worker
    await it.return!();
    flags.release(1);
    await pool.shutdown({ wait: true });
    expect(pool.stats.completed).toBe(1);
  });

  it('should time out counting from the call', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const flags = new Flags();
    const it = pool.map((args: [Int32Array, number]) => {
      if (args[1] === 1) Atomics.wait(args[0], 0, 0);
      return args[1];
    }, [[flags.array, 0] as [Int32Array, number], [flags.array, 1] as [Int32Array, number]], { timeout: 300 });
    expect(await it.next()).toEqual({ value: 0, done: false });
    await expect(it.next()).rejects.toBeInstanceOf(TimeoutError);
    flags.release(0);
  });

  it('should validate its options', () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    expect(() => pool.map(tasks.double, [1], { buffersize: 0 })).toThrow(RangeError);
    expect(() => pool.map(tasks.double, [1], { chunksize: 1.5 })).toThrow(RangeError);
    expect(() => pool.map(tasks.double, [1], { timeout: -1 })).toThrow(RangeError);
    expect(() => pool.map(tasks.double, 5 as never)).toThrow(TypeError);
  });
});
