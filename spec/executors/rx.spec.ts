import { firstValueFrom, from, lastValueFrom, range, take, toArray } from 'rxjs';
import { mapOrdered$, mapUnordered$, stream$, submit$, type Executor } from '../../lib';
import { executorCases, tasks } from './executorCases';
import { settle } from '../helpers/settle';
import { Gate } from './Gate';

/** @test {submit$}, {@link mapOrdered$}, {@link mapUnordered$} and {@link stream$} on every executor */
describe.each(executorCases)('rx operators on $name', (c) => {
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

  it('should emit the result of submit$ and complete, or error with the exception whole', async () => {
    expect(await lastValueFrom(submit$(executor, tasks.double, 21).pipe(toArray()))).toEqual([42]);
    await expect(firstValueFrom(submit$(executor, tasks.fail, 'rx'))).rejects.toMatchObject({ name: 'TypeError', message: 'rx', code: 'E_FAIL' });
  });

  it('should interrupt the running task when a submit$ subscriber leaves', async () => {
    let settled = false;
    const subscription = submit$(executor, tasks.hold, gate.path, 's1', 'never').subscribe({ next: () => (settled = true) });
    await gate.started('s1');
    subscription.unsubscribe();
    // Both workers are free again: two tasks that hold each other's release cannot both start otherwise.
    const a = executor.submit(tasks.hold, gate.path, 's2', 'a');
    const b = executor.submit(tasks.hold, gate.path, 's3', 'b');
    await Promise.all([gate.started('s2'), gate.started('s3')]);
    gate.release('s2');
    gate.release('s3');
    expect(await Promise.all([a, b])).toEqual(['a', 'b']);
    expect(settled).toBe(false);
  });

  it('should keep source order in mapOrdered$ and error at the position of a failing task', async () => {
    expect(await lastValueFrom(range(0, 30).pipe(mapOrdered$(executor, tasks.asyncDouble), toArray()))).toEqual(
      Array.from({ length: 30 }, (_, i) => i * 2),
    );
    const { values: emitted, error } = await settle(from([0, 1, 2, 3].map((i) => ({ i, at: 2 }))).pipe(mapOrdered$(executor, tasks.failAt)));
    expect(emitted).toEqual([0, 1]);
    expect(error).toMatchObject({ name: 'RangeError', message: 'bad 2', code: 'E_AT' });
  });

  it('should send chunks with chunksize and keep source order', async () => {
    const results = await lastValueFrom(range(0, 25).pipe(mapOrdered$(executor, tasks.double, { chunksize: 4 }), toArray()));
    expect(results).toEqual(Array.from({ length: 25 }, (_, i) => i * 2));
  });

  it('should emit in completion order in mapUnordered$ and interrupt the rest on take(1)', async () => {
    const jobs = [
      { gate: gate.path, name: 'u0', value: 'held', hold: true },
      { gate: gate.path, name: 'u1', value: 'quick', hold: true },
    ];
    const first = lastValueFrom(from(jobs).pipe(mapUnordered$(executor, tasks.job), take(1)));
    await Promise.all([gate.started('u0'), gate.started('u1')]);
    gate.release('u1');
    expect(await first).toBe('quick');
    // u0 was interrupted: both workers take these at once.
    const a = executor.submit(tasks.hold, gate.path, 'u2', 1);
    const b = executor.submit(tasks.hold, gate.path, 'u3', 2);
    await Promise.all([gate.started('u2'), gate.started('u3')]);
    gate.release('u2');
    gate.release('u3');
    expect(await Promise.all([a, b])).toEqual([1, 2]);
  });

  it("should stream a generator's values with stream$ and stop it, freeing its worker, on take(n)", async () => {
    expect(await lastValueFrom(stream$(executor, tasks.ticks).pipe(take(3), toArray()))).toEqual([0, 1, 2]);
    expect(await lastValueFrom(stream$(executor, tasks.count, 3).pipe(toArray()))).toEqual([0, 1, 2]);
    const a = executor.submit(tasks.hold, gate.path, 't1', 1);
    const b = executor.submit(tasks.hold, gate.path, 't2', 2);
    await Promise.all([gate.started('t1'), gate.started('t2')]);
    gate.release('t1');
    gate.release('t2');
    expect(await Promise.all([a, b])).toEqual([1, 2]);
  });
});
