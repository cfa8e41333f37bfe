import { CancelledError, type Executor } from '../../lib';
import { executorCases, tasks } from './executorCases';
import { Gate } from './Gate';

/** @test {Future#cancel} on every executor */
describe.each(executorCases)('$name cancel', (c) => {
  let executor: Executor;
  let gate: Gate;
  beforeEach(async () => {
    gate = await Gate.open();
  });
  afterEach(async () => {
    await executor?.shutdown({ cancelFutures: true });
    await gate.close();
  });

  it('should cancel a pending task, which then never runs', async () => {
    executor = c.make({ maxWorkers: 1 });
    const running = executor.submit(tasks.hold, gate.path, 'first', 1);
    const pending = executor.submit(tasks.hold, gate.path, 'second', 2);
    await gate.started('first');
    expect(pending.state).toBe('pending');
    expect(pending.cancel()).toBe(true);
    expect(pending.state).toBe('cancelled');
    await expect(pending.result()).rejects.toBeInstanceOf(CancelledError);
    gate.release('first');
    expect(await running).toBe(1);
    expect(await executor.submit(tasks.double, 1)).toBe(2);
    expect(gate.hasStarted('second')).toBe(false);
  });

  it('should not cancel a running task without interrupt', async () => {
    executor = c.make({ maxWorkers: 1 });
    const running = executor.submit(tasks.hold, gate.path, 'held', 'kept');
    await gate.started('held');
    expect(running.cancel()).toBe(false);
    expect(running.state).toBe('running');
    gate.release('held');
    expect(await running).toBe('kept');
    expect(running.cancel({ interrupt: true })).toBe(false); // finished
  });

  it('should interrupt a running task at once, fire done callbacks once, and run the next one', async () => {
    executor = c.make({ maxWorkers: 1 });
    const running = executor.submit(tasks.hold, gate.path, 'held', 'never');
    const next = executor.submit(tasks.double, 21);
    const states: string[] = [];
    running.addDoneCallback((f) => states.push(f.state));
    await gate.started('held');
    expect(running.cancel({ interrupt: true })).toBe(true);
    expect(running.state).toBe('cancelled');
    expect(running.cancel({ interrupt: true })).toBe(true);
    await expect(running.result()).rejects.toBeInstanceOf(CancelledError);
    expect(await next).toBe(42);
    expect(states).toEqual(['cancelled']);
  });

  if (c.interruptsSyncCode) {
    it('should stop a task spinning in synchronous code with interrupt', async () => {
      executor = c.make({ maxWorkers: 1 });
      const spinning = executor.submit(tasks.spinForever, gate.path, 'spin');
      await gate.started('spin');
      expect(spinning.cancel({ interrupt: true })).toBe(true);
      expect(await executor.submit(tasks.double, 4)).toBe(8);
    });
  }

  it('should end every future of a storm of submits and cancels in exactly one terminal state', async () => {
    executor = c.make({ maxWorkers: 2 });
    const futures = Array.from({ length: 60 }, (_, i) => executor.submit(tasks.asyncDouble, i));
    const calls = new Map<unknown, number>();
    for (const f of futures) f.addDoneCallback((done) => calls.set(done, (calls.get(done) ?? 0) + 1));
    futures.forEach((f, i) => {
      if (i % 3 === 0) f.cancel();
      if (i % 7 === 0) f.cancel({ interrupt: true });
    });
    await executor.shutdown({ wait: true });
    expect(futures.every((f) => f.done())).toBe(true);
    expect(calls.size).toBe(futures.length);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    futures.forEach((f, i) => {
      if (f.state === 'finished') expect(f.resultNow()).toBe(2 * i);
    });
  });
});
