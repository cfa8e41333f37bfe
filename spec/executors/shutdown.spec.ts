import { ShutdownError, type Executor } from '../../lib';
import { executorCases, tasks } from './executorCases';
import { Gate } from './Gate';

/** @test {Executor#shutdown} on every executor */
describe.each(executorCases)('$name shutdown', (c) => {
  let executor: Executor;
  let gate: Gate;
  beforeEach(async () => {
    gate = await Gate.open();
  });
  afterEach(async () => {
    await executor?.shutdown({ cancelFutures: true });
    await gate.close();
  });

  it('should make submit, map and stream throw ShutdownError from the moment it is called; twice is harmless', async () => {
    executor = c.make({ maxWorkers: 1 });
    const closing = executor.shutdown();
    expect(() => executor.submit(tasks.double, 1)).toThrow(ShutdownError);
    expect(() => executor.map(tasks.double, [1])).toThrow(ShutdownError);
    expect(() => executor.stream(tasks.count, 1)).toThrow(ShutdownError);
    await closing;
    await expect(executor.shutdown()).resolves.toBeUndefined();
  });

  it('should wait for running and pending tasks with wait: true', async () => {
    executor = c.make({ maxWorkers: 1 });
    const fs = [1, 2, 3].map((x) => executor.submit(tasks.asyncDouble, x));
    await executor.shutdown({ wait: true });
    expect(fs.map((f) => f.state)).toEqual(['finished', 'finished', 'finished']);
  });

  it('should resolve at once with wait: false while the tasks still finish', async () => {
    executor = c.make({ maxWorkers: 1 });
    const held = executor.submit(tasks.hold, gate.path, 'held', 'done');
    const queued = executor.submit(tasks.double, 5);
    await gate.started('held');
    await executor.shutdown({ wait: false });
    expect(held.state).toBe('running');
    gate.release('held');
    expect(await held).toBe('done');
    expect(await queued).toBe(10);
  });

  it('should cancel pending futures with cancelFutures: true and let the running one finish', async () => {
    executor = c.make({ maxWorkers: 1 });
    const held = executor.submit(tasks.hold, gate.path, 'held', 'ran');
    const pending = [1, 2, 3].map((x) => executor.submit(tasks.double, x));
    await gate.started('held');
    const closed = executor.shutdown({ cancelFutures: true });
    expect(pending.every((f) => f.cancelled())).toBe(true);
    gate.release('held');
    await closed;
    expect(await held).toBe('ran');
  });

  it('should support await using', async () => {
    let escaped: Executor;
    {
      await using e = c.make({ maxWorkers: 1 });
      escaped = e;
      expect(await e.submit(tasks.double, 2)).toBe(4);
    }
    expect(() => escaped.submit(tasks.double, 1)).toThrow(ShutdownError);
    executor = escaped;
  });

  it.each([0, -1, NaN, 1.5])('should reject maxWorkers %p with a RangeError naming the option', (maxWorkers) => {
    expect(() => c.make({ maxWorkers })).toThrow(RangeError);
    expect(() => c.make({ maxWorkers })).toThrow(/maxWorkers/);
  });

  it('should reject shutdown options of the wrong type with a rejection', async () => {
    executor = c.make({ maxWorkers: 1 });
    await expect(executor.shutdown({ wait: 'yes' as never })).rejects.toBeInstanceOf(TypeError);
  });
});
