import { TimeoutError, type Executor } from '../../lib';
import { collect, executorCases, tasks } from './executorCases';
import { Gate } from './Gate';

/** @test {Executor#map} on every executor */
describe.each(executorCases)('$name map', (c) => {
  let executor: Executor;
  let gate: Gate;
  beforeAll(async () => {
    executor = c.make({ maxWorkers: 2 });
    gate = await Gate.open();
  });
  afterAll(async () => {
    await executor.shutdown({ cancelFutures: true });
    await gate.close();
  });

  it('should yield results in input order', async () => {
    const xs = Array.from({ length: 40 }, (_, i) => i);
    expect(await collect(executor.map(tasks.asyncDouble, xs))).toEqual(xs.map((x) => x * 2));
  });

  it('should yield in input order while a later item finishes first', async () => {
    const it = executor.map(tasks.job, [
      { gate: gate.path, name: 'o0', value: 0, hold: true },
      { gate: gate.path, name: 'o1', value: 1, hold: false },
    ]);
    await Promise.all([gate.started('o0'), gate.started('o1')]);
    gate.release('o0');
    expect(await collect(it)).toEqual([0, 1]);
  });

  it('should accept an async iterable', async () => {
    async function* source(): AsyncGenerator<number> {
      for (let i = 0; i < 5; i++) yield i;
    }
    expect(await collect(executor.map(tasks.double, source()))).toEqual([0, 2, 4, 6, 8]);
  });

  it('should throw a task exception whole at its position, after the results before it', async () => {
    const seen: number[] = [];
    const run = async (): Promise<void> => {
      for await (const x of executor.map(tasks.failAt, [0, 1, 2, 3, 4].map((i) => ({ i, at: 2 })))) seen.push(x);
    };
    await expect(run()).rejects.toMatchObject({ name: 'RangeError', message: 'bad 2', code: 'E_AT' });
    expect(seen).toEqual([0, 1]);
  });

  it('should send chunksize items per message with the same results', async () => {
    const xs = Array.from({ length: 101 }, (_, i) => i);
    expect(await collect(executor.map(tasks.double, xs, { chunksize: 10 }))).toEqual(xs.map((x) => 2 * x));
  });

  it('should take at most buffersize items ahead of the consumer from an endless input', async () => {
    let taken = 0;
    function* endless(): Generator<number> {
      for (let i = 0; ; i++) {
        taken += 1;
        yield i;
      }
    }
    const first: number[] = [];
    for await (const x of executor.map(tasks.double, endless(), { buffersize: 4 })) {
      first.push(x);
      if (first.length === 10) break;
    }
    expect(first).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(taken).toBeLessThanOrEqual(10 + 4 + 1);
  });

  it('should cancel what is left when the consumer breaks', async () => {
    const names = ['b0', 'b1', 'b2', 'b3', 'b4', 'b5'];
    const it = executor.map(tasks.job, names.map((name) => ({ gate: gate.path, name, value: name, hold: true })));
    await Promise.all([gate.started('b0'), gate.started('b1')]); // two workers: b2..b5 wait
    await it.return!();
    gate.release('b0');
    gate.release('b1');
    // FIFO: had b2 not been cancelled, it would have started before these.
    expect(await Promise.all([executor.submit(tasks.double, 1), executor.submit(tasks.double, 2)])).toEqual([2, 4]);
    expect(names.filter((n) => gate.hasStarted(n))).toEqual(['b0', 'b1']);
  });

  it('should time out counting from the call', async () => {
    const it = executor.map(tasks.job, [{ gate: gate.path, name: 't0', value: 0, hold: true }], { timeout: 100 });
    await expect(it.next()).rejects.toBeInstanceOf(TimeoutError);
    gate.release('t0');
  });

  it('should validate its options', () => {
    expect(() => executor.map(tasks.double, [1], { buffersize: 0 })).toThrow(RangeError);
    expect(() => executor.map(tasks.double, [1], { chunksize: 1.5 })).toThrow(RangeError);
    expect(() => executor.map(tasks.double, [1], { timeout: -1 })).toThrow(RangeError);
    expect(() => executor.map(tasks.double, 5 as never)).toThrow(TypeError);
  });
});
