import { map, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { Future, TimeoutError, asCompleted$ } from '../../lib';
import { VirtualExecutor } from '../../lib/testing';

const byArg = (t: unknown, args: readonly unknown[]) => args[0] as number;
// Futures have no enumerable state, so toEqual cannot tell two apart: compare names instead.
const named = <T>(names: Map<Future<T>, string>) => map((f: Future<T>) => names.get(f) ?? 'unknown');

/** @test {asCompleted$} */
describe('asCompleted$', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('should emit each future as it completes, then complete', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 3, duration: byArg });
    testScheduler.run(({ expectObservable }) => {
      const [a, b, c] = [3, 1, 5].map((n) => executor.submit((x: number) => x * 100, n));
      //        a: ---A
      //        b: -B
      //        c: -----C
      const names = new Map([
        [a, 'a'],
        [b, 'b'],
        [c, 'c'],
      ]);
      expectObservable(asCompleted$([a, b, c]).pipe(named(names))).toBe('-b-a-(c|)', { a: 'a', b: 'b', c: 'c' });
      expectObservable(asCompleted$([a, b, c]).pipe(map((f) => f.resultNow()))).toBe('-b-a-(c|)', { a: 300, b: 100, c: 500 });
    });
  });

  it('should emit the futures already done first, in input order, then the others', () => {
    const done1 = new Future<number>();
    const done2 = new Future<number>();
    const later = new Future<number>();
    done2.setResult(2);
    done1.setException(new Error('x'));
    testScheduler.run(({ expectObservable }) => {
      testScheduler.schedule(() => later.cancel(), 4);
      const names = new Map([
        [done1, 'x'],
        [done2, 'y'],
        [later, 'z'],
      ]);
      expectObservable(asCompleted$([later, done1, done2, done1]).pipe(named(names))).toBe('(xy)(z|)', { x: 'x', y: 'y', z: 'z' });
    });
  });

  it('should complete at once for no futures', () => {
    testScheduler.run(({ expectObservable }) => {
      expectObservable(asCompleted$([])).toBe('|');
    });
  });

  it('should error with TimeoutError "N (of M) futures unfinished" and cancel the unfinished ones', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 3, duration: byArg });
    testScheduler.run(({ expectObservable }) => {
      const [a, b, c] = [1, 8, 9].map((n) => executor.submit((x: number) => x, n));
      expectObservable(asCompleted$([a, b, c], { timeout: 4 }).pipe(named(new Map([[a, 'a']])))).toBe(
        '-a--#',
        { a: 'a' },
        new TimeoutError('2 (of 3) futures unfinished'),
      );
    });
    expect(executor.log.filter((e) => e.event === 'interrupted')).toEqual([
      { time: 4, event: 'interrupted', id: 3, args: [9] },
      { time: 4, event: 'interrupted', id: 2, args: [8] },
    ]);
  });

  it('should cancel the unfinished futures on unsubscribe (take)', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 1, duration: () => 2 });
    testScheduler.run(({ expectObservable }) => {
      const fs = [1, 2, 3].map((n) => executor.submit((x: number) => x, n));
      expectObservable(asCompleted$(fs).pipe(take(1), named(new Map([[fs[0], 'a']])))).toBe('--(a|)', { a: 'a' });
    });
    expect(executor.log.filter((e) => e.time === 2).map((e) => [e.event, e.id])).toEqual([
      ['finished', 1],
      ['cancelled', 3],
      ['cancelled', 2],
    ]);
  });

  it('should leave them alone with cancelOnUnsubscribe: false', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 1, duration: () => 2 });
    testScheduler.run(({ expectObservable }) => {
      const fs = [1, 2].map((n) => executor.submit((x: number) => x, n));
      expectObservable(asCompleted$(fs, { cancelOnUnsubscribe: false }), '^!').toBe('-');
    });
    expect(executor.log.filter((e) => e.event === 'finished')).toHaveLength(2);
  });

  it('should not interrupt running ones with interrupt: false', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 1, duration: () => 2 });
    testScheduler.run(({ expectObservable }) => {
      const fs = [1, 2].map((n) => executor.submit((x: number) => x, n));
      expectObservable(asCompleted$(fs, { interrupt: false }), '^!').toBe('-');
    });
    expect(executor.log.map((e) => [e.time, e.event, e.id])).toEqual([
      [0, 'submitted', 1],
      [0, 'submitted', 2],
      [0, 'started', 1],
      [1, 'cancelled', 2],
      [2, 'finished', 1],
    ]);
  });

  it('should check its arguments when called', () => {
    expect(() => asCompleted$([1 as never])).toThrow(/asCompleted\$: fs\[0\] is not a Future/);
    expect(() => asCompleted$([], { timeout: -1 })).toThrow(RangeError);
  });
});
