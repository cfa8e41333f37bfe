import { switchMap, take, timeout } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { submit$ } from '../../lib';
import { VirtualExecutor, type VirtualLogEntry } from '../../lib/testing';

const brief = (log: readonly VirtualLogEntry[]) => log.map((e) => [e.time, e.event, e.id] as const);

/** @test {submit$} */
describe('submit$', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('should submit on subscription, emit the result when the call ends and complete', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 3 });
    testScheduler.run(({ expectObservable }) => {
      const result = submit$(executor, (a: number, b: number) => a * b, 6, 7);
      expect(executor.log).toEqual([]); // cold: nothing before subscription
      expectObservable(result).toBe('---(a|)', { a: 42 });
    });
    expect(brief(executor.log)).toEqual([
      [0, 'submitted', 1],
      [0, 'started', 1],
      [3, 'finished', 1],
    ]);
  });

  it('should submit once per subscription', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 2, duration: () => 2 });
    testScheduler.run(({ expectObservable }) => {
      const result = submit$(executor, () => 'x');
      expectObservable(result).toBe('--(x|)');
      expectObservable(result, '-^').toBe('---(x|)');
    });
    expect(executor.log.filter((e) => e.event === 'submitted').map((e) => e.time)).toEqual([0, 1]);
  });

  it('should error with the task\'s own exception', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 2 });
    const boom = Object.assign(new RangeError('boom'), { code: 'E_BOOM' });
    testScheduler.run(({ expectObservable }) => {
      expectObservable(
        submit$(executor, () => {
          throw boom;
        }),
      ).toBe('--#', undefined, boom);
    });
  });

  it('should error at subscription when submit throws (ShutdownError)', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler });
    void executor.shutdown({ wait: false });
    testScheduler.run(({ expectObservable }) => {
      expectObservable(submit$(executor, () => 1)).toBe('#', undefined, expect.objectContaining({ name: 'ShutdownError' }));
    });
  });

  it('should interrupt the running call when unsubscribed', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 10 });
    testScheduler.run(({ expectObservable }) => {
      expectObservable(submit$(executor, () => 'slow'), '^--!').toBe('---');
      expectObservable(submit$(executor, () => 'next'), '---^').toBe('-------------(n|)', { n: 'next' });
    });
    expect(brief(executor.log)).toEqual([
      [0, 'submitted', 1],
      [0, 'started', 1],
      [3, 'interrupted', 1],
      [3, 'submitted', 2],
      [3, 'started', 2],
      [13, 'finished', 2],
    ]);
  });

  it('should cancel a queued call when unsubscribed', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 5 });
    testScheduler.run(({ expectObservable }) => {
      expectObservable(submit$(executor, () => 'busy')).toBe('-----(b|)', { b: 'busy' });
      expectObservable(submit$(executor, () => 'queued'), '^-!').toBe('--');
    });
    expect(brief(executor.log).filter(([, , id]) => id === 2)).toEqual([
      [0, 'submitted', 2],
      [2, 'cancelled', 2],
    ]);
  });

  it('should be interrupted by timeout() upstream', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 10 });
    testScheduler.run(({ expectObservable }) => {
      expectObservable(submit$(executor, () => 1).pipe(timeout(4))).toBe('----#', undefined, expect.objectContaining({ name: 'TimeoutError' }));
    });
    expect(executor.log.at(-1)).toMatchObject({ time: 4, event: 'interrupted' });
  });

  it('should cancel the previous call on switchMap', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 2, duration: () => 4 });
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const clicks = hot('  -a--b-------|');
      const subs = '       ^-----------!';
      const expected = '   --------B---|';
      //                    a: -----     interrupted at 4 by b
      //                    b:    ----B
      expectObservable(clicks.pipe(switchMap((x) => submit$(executor, (s: string) => s.toUpperCase(), x)))).toBe(expected, { B: 'B' });
      expectSubscriptions(clicks.subscriptions).toBe(subs);
    });
    expect(brief(executor.log).filter(([, e]) => e === 'interrupted' || e === 'finished')).toEqual([
      [4, 'interrupted', 1],
      [8, 'finished', 2],
    ]);
  });

  it('should not cancel a call that already finished (take(1))', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 1 });
    testScheduler.run(({ expectObservable }) => {
      expectObservable(submit$(executor, () => 7).pipe(take(1))).toBe('-(s|)', { s: 7 });
    });
    expect(executor.log.map((e) => e.event)).toEqual(['submitted', 'started', 'finished']);
  });
});
