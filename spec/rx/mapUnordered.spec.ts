import { take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { mapUnordered$ } from '../../lib';
import { VirtualExecutor, type VirtualLogEntry } from '../../lib/testing';

const brief = (log: readonly VirtualLogEntry[]) => log.map((e) => [e.time, e.event, e.args[0]] as const);
const byArg = (t: unknown, args: readonly unknown[]) => args[0] as number;

/** @test {mapUnordered$} */
describe('mapUnordered$', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('should emit results in completion order', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 3, duration: byArg });
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c|', { a: 4, b: 1, c: 4 });
      //                    a: ----A
      //                      b: -B
      //                        c: ----C
      const expected = '   ----BA---(C|)';
      expectObservable(source.pipe(mapUnordered$(executor, (n: number) => n * 10))).toBe(expected, { A: 40, B: 10, C: 40 });
      expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('should keep at most buffersize calls in flight, queueing beyond maxWorkers', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 1, duration: byArg });
    testScheduler.run(({ cold, expectObservable }) => {
      const source = cold('(abc|)', { a: 3, b: 1, c: 1 });
      // buffersize 2: c is submitted when a finishes; b waits for a's worker.
      expectObservable(source.pipe(mapUnordered$(executor, (n: number) => n))).toBe('---ab(c|)', { a: 3, b: 1, c: 1 });
    });
    expect(brief(executor.log).filter(([, e]) => e === 'submitted').map(([t]) => t)).toEqual([0, 0, 3]);
  });

  it('should error at the first failure and cancel the rest', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 2, duration: byArg });
    const boom = new Error('boom');
    testScheduler.run(({ cold, expectObservable }) => {
      const source = cold('(abc|)', { a: 5, b: 2, c: 1 });
      const result = source.pipe(
        mapUnordered$(executor, (n: number) => {
          if (n === 2) throw boom;
          return n;
        }),
      );
      expectObservable(result).toBe('--#', undefined, boom);
    });
    expect(brief(executor.log).filter(([t]) => t === 2)).toEqual([
      [2, 'failed', 2],
      [2, 'cancelled', 1],
      [2, 'interrupted', 5],
    ]);
  });

  it('should cancel the rest on take(1)', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 3, duration: byArg });
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('(abc|)', { a: 3, b: 1, c: 5 }).pipe(mapUnordered$(executor, (n: number) => n), take(1))).toBe('-(b|)', {
        b: 1,
      });
    });
    expect(brief(executor.log).filter(([, e]) => e === 'interrupted')).toEqual([
      [1, 'interrupted', 5],
      [1, 'interrupted', 3],
    ]);
  });

  it('should accept no chunksize (completion order makes chunks pointless) but buffersize and interrupt', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 2, duration: () => 4 });
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('(ab)').pipe(mapUnordered$(executor, (s: string) => s, { buffersize: 1, interrupt: false })), '^-!').toBe('--');
    });
    expect(brief(executor.log).filter(([, e]) => e === 'finished')).toEqual([[4, 'finished', 'a']]);
  });
});
