import { ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION, asCompleted, wait, type Executor, type Future } from '../../lib';
import { executorCases, tasks } from './executorCases';
import { Gate } from './Gate';

/** @test {wait} and {@link asCompleted} over each executor's futures */
describe.each(executorCases)('wait and asCompleted on $name', (c) => {
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

  it('should split done and not done with FIRST_COMPLETED, FIRST_EXCEPTION and ALL_COMPLETED', async () => {
    const held = executor.submit(tasks.hold, gate.path, 'w1', 'late');
    const quick = executor.submit(tasks.double, 1);
    const first = await wait([held, quick], { returnWhen: FIRST_COMPLETED });
    expect(first.done).toEqual(new Set([quick]));
    expect(first.notDone).toEqual(new Set([held]));
    const failing = executor.submit(tasks.fail, 'x');
    const onException = await wait([held, failing], { returnWhen: FIRST_EXCEPTION });
    expect(onException.done).toEqual(new Set([failing]));
    gate.release('w1');
    const all = await wait([held, quick, failing], { returnWhen: ALL_COMPLETED });
    expect(all.notDone.size).toBe(0);
  });

  it('should time out with the split at that moment, and count a cancelled future as done', async () => {
    const held = executor.submit(tasks.hold, gate.path, 'w2', 1);
    const queued = executor.submit(tasks.hold, gate.path, 'w3', 2);
    const third = executor.submit(tasks.double, 3); // behind w2 and w3 on two workers
    await Promise.all([gate.started('w2'), gate.started('w3')]);
    const timedOut = await wait([held, queued], { timeout: 50 });
    expect(timedOut.done.size).toBe(0);
    expect(third.cancel()).toBe(true);
    expect((await wait([third])).done).toEqual(new Set([third]));
    gate.release('w2');
    gate.release('w3');
    await Promise.all([held, queued]);
  });

  it('should yield each future once, in completion order, from asCompleted', async () => {
    const held = executor.submit(tasks.hold, gate.path, 'a1', 'second');
    const quick = executor.submit(tasks.asyncDouble, 1);
    const order: Future<unknown>[] = [];
    const it = asCompleted([held, quick, quick]);
    const next = await it.next();
    order.push(next.value as Future<unknown>);
    gate.release('a1');
    for await (const f of { [Symbol.asyncIterator]: () => it }) order.push(f);
    expect(order).toEqual([quick, held]);
  });

  it('should throw TimeoutError with N (of M) futures unfinished', async () => {
    const held = executor.submit(tasks.hold, gate.path, 'a2', 1);
    const run = async (): Promise<void> => {
      for await (const f of asCompleted([held, executor.submit(tasks.double, 1)], { timeout: 100 })) void f;
    };
    await expect(run()).rejects.toMatchObject({ name: 'TimeoutError', message: expect.stringMatching(/1 \(of 2\) futures unfinished/) });
    gate.release('a2');
    await held;
  });
});
