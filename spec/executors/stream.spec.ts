import type { Executor } from '../../lib';
import { collect, executorCases, tasks } from './executorCases';
import { Gate } from './Gate';

/** @test {Executor#stream} on every executor */
describe.each(executorCases)('$name stream', (c) => {
  let executor: Executor;
  let gate: Gate;
  // One executor of one worker for the whole file: starting workers is what costs.
  beforeAll(async () => {
    executor = c.make({ maxWorkers: 1 });
    gate = await Gate.open();
  });
  afterAll(async () => {
    await executor.shutdown({ cancelFutures: true });
    await gate.close();
  });

  it('should yield every value of a sync and of an async generator task, then end', async () => {
    expect(await collect(executor.stream(tasks.count, 5))).toEqual([0, 1, 2, 3, 4]);
    expect(await collect(executor.stream(tasks.countAsync, 3))).toEqual([0, 1, 2]);
  });

  it('should deliver the values yielded before an exception, then the exception whole', async () => {
    const out: number[] = [];
    const run = async (): Promise<void> => {
      for await (const x of executor.stream(tasks.countThenFail, 2)) out.push(x);
    };
    await expect(run()).rejects.toMatchObject({ name: 'RangeError', message: 'generator failed', code: 'E_GEN' });
    expect(out).toEqual([0, 1]);
  });

  it('should interrupt the task when the consumer stops, freeing its worker', async () => {
    const it = executor.stream(tasks.yieldThenHold, gate.path, 'held');
    expect(await it.next()).toEqual({ value: 'first', done: false });
    // A pull drives the AsyncExecutor's generator on (it runs only as pulled); the pools run ahead anyway.
    const pending = it.next();
    await gate.started('held');
    await it.return!();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(await executor.submit(tasks.double, 4)).toBe(8);
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('should refuse a task that is not a generator', async () => {
    await expect(executor.stream(tasks.double as never, 1).next()).rejects.toMatchObject({
      name: 'TypeError',
      message: expect.stringMatching(/generator/),
    });
  });
});
