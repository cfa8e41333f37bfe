import { Observable, switchMap, take, takeUntil } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { CancelledError, mapOrdered$ } from '../../lib';
import { VirtualExecutor, type VirtualLogEntry } from '../../lib/testing';

const brief = (log: readonly VirtualLogEntry[]) => log.map((e) => [e.time, e.event, e.args[0]] as const);
const byArg = (t: unknown, args: readonly unknown[]) => args[0] as number;

/** @test {mapOrdered$} */
describe('mapOrdered$', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('should emit results in source order even when later calls finish first', () => {
    // Each call takes as many frames as its argument.
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 3, duration: byArg });
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c|', { a: 4, b: 1, c: 4 });
      const subs = '       ^-----!';
      //                    a: ----A
      //                      b: -B
      //                        c: ----C
      const expected = '   -----(AB)(C|)';
      expectObservable(source.pipe(mapOrdered$(executor, (n: number) => n * 10))).toBe(expected, { A: 40, B: 10, C: 40 });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('should queue calls beyond maxWorkers and keep at most buffersize submitted', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 2, duration: () => 5 });
    testScheduler.run(({ cold, expectObservable }) => {
      const source = cold('(abcde|)');
      // buffersize = 2 × maxWorkers = 4: e is submitted when A and B are emitted.
      const expected = '   -----(AB)-(CD)-(E|)';
      expectObservable(source.pipe(mapOrdered$(executor, (s: string) => s.toUpperCase()))).toBe(expected, {
        A: 'A',
        B: 'B',
        C: 'C',
        D: 'D',
        E: 'E',
      });
    });
    const submitted = brief(executor.log).filter(([, e]) => e === 'submitted');
    expect(submitted).toEqual([
      [0, 'submitted', 'a'],
      [0, 'submitted', 'b'],
      [0, 'submitted', 'c'],
      [0, 'submitted', 'd'],
      [5, 'submitted', 'e'],
    ]);
    const started = brief(executor.log).filter(([, e]) => e === 'started');
    expect(started.map(([t]) => t)).toEqual([0, 0, 5, 5, 10]);
  });

  it('should respect an explicit buffersize', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 4, duration: () => 2 });
    testScheduler.run(({ cold, expectObservable }) => {
      const source = cold('(abc|)');
      expectObservable(source.pipe(mapOrdered$(executor, (s: string) => s, { buffersize: 1 }))).toBe('--a-b-(c|)');
    });
  });

  it('should error at the failing call\'s position, after the results before it, and cancel the rest', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 3, duration: byArg });
    const boom = new Error('b failed');
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('(abc)---d', { a: 4, b: 1, c: 9, d: 1 });
      const subs = '       ^---!';
      //                    a: ----A
      //                    b: -#      (fails first, but is reported at its position)
      //                    c: ---------  interrupted at 4
      const expected = '   ----(A#)';
      const result = source.pipe(
        mapOrdered$(executor, (n: number) => {
          if (n === 1) throw boom;
          return n;
        }),
      );
      expectObservable(result).toBe(expected, { A: 4 }, boom);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
    expect(brief(executor.log).filter(([, e]) => e === 'failed' || e === 'interrupted')).toEqual([
      [1, 'failed', 1],
      [4, 'interrupted', 9],
    ]);
  });

  it('should cancel queued and interrupt running calls when unsubscribed', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 2, duration: () => 10 });
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('(abc)');
      const unsub = '      ^--!';
      expectObservable(source.pipe(mapOrdered$(executor, (s: string) => s)), unsub).toBe('---');
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
    expect(brief(executor.log).filter(([t]) => t === 3)).toEqual([
      [3, 'cancelled', 'c'],
      [3, 'interrupted', 'b'],
      [3, 'interrupted', 'a'],
    ]);
  });

  it('should only cancel queued calls with interrupt: false (Python semantics)', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 2, duration: () => 10 });
    testScheduler.run(({ cold, expectObservable }) => {
      const source = cold('(abc)');
      expectObservable(source.pipe(mapOrdered$(executor, (s: string) => s, { interrupt: false })), '^--!').toBe('---');
    });
    expect(brief(executor.log).filter(([, e]) => e !== 'submitted' && e !== 'started')).toEqual([
      [3, 'cancelled', 'c'],
      [10, 'finished', 'a'],
      [10, 'finished', 'b'],
    ]);
  });

  it('should cancel the rest on take(1)', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 2, duration: byArg });
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('(abc|)', { a: 2, b: 5, c: 5 });
      expectObservable(source.pipe(mapOrdered$(executor, (n: number) => n), take(1))).toBe('--(a|)', { a: 2 });
      expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
    expect(brief(executor.log).filter(([, e]) => e === 'cancelled' || e === 'interrupted')).toEqual([
      [2, 'cancelled', 5],
      [2, 'interrupted', 5],
    ]);
  });

  it('should cancel what is in flight on takeUntil', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 1, duration: () => 3 });
    testScheduler.run(({ cold, hot, expectObservable }) => {
      const source = cold('ab|');
      const stop = hot('   ----s');
      expectObservable(source.pipe(mapOrdered$(executor, (s: string) => s), takeUntil(stop))).toBe('---a|');
    });
    expect(brief(executor.log).filter(([t]) => t === 4)).toEqual([[4, 'interrupted', 'b']]);
  });

  it('should give each inner pipeline of switchMap its own calls', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 2, duration: () => 3 });
    testScheduler.run(({ cold, hot, expectObservable }) => {
      const outer = hot('  -x---y|');
      const inner = cold(' (ab|)');
      const expected = '   ----(ab)(AB|)';
      expectObservable(outer.pipe(switchMap((o) => inner.pipe(mapOrdered$(executor, (s: string) => (o === 'x' ? s : s.toUpperCase())))))).toBe(expected);
    });
    expect(brief(executor.log).filter(([t, e]) => t === 5 && e === 'interrupted')).toEqual([]);
    expect(brief(executor.log).filter(([, e]) => e === 'finished')).toEqual([
      [4, 'finished', 'a'],
      [4, 'finished', 'b'],
      [8, 'finished', 'a'],
      [8, 'finished', 'b'],
    ]);
  });

  it('should interrupt the pending inner calls when switchMap moves on', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 1, duration: () => 3 });
    testScheduler.run(({ cold, hot, expectObservable }) => {
      const outer = hot('  -x-y|');
      const inner = cold(' (ab|)');
      expectObservable(outer.pipe(switchMap(() => inner.pipe(mapOrdered$(executor, (s: string) => s))))).toBe('------a--(b|)');
    });
    expect(brief(executor.log).filter(([t]) => t === 3)).toEqual([
      [3, 'cancelled', 'b'],
      [3, 'interrupted', 'a'],
      [3, 'submitted', 'a'],
      [3, 'submitted', 'b'],
      [3, 'started', 'a'],
    ]);
  });

  it('should error at once on a source error, cancelling what is in flight (as mergeMap)', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 5 });
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('a-#', undefined, 'src').pipe(mapOrdered$(executor, (s: string) => s))).toBe('--#', undefined, 'src');
    });
    expect(executor.log.at(-1)).toMatchObject({ time: 2, event: 'interrupted' });
  });

  it('should complete after the last result, or at once for an empty source', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 2 });
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('a|').pipe(mapOrdered$(executor, (s: string) => s))).toBe('--(a|)');
      expectObservable(cold('--|').pipe(mapOrdered$(executor, (s: string) => s))).toBe('--|');
    });
  });

  it('should error with CancelledError at the position of a call cancelled by someone else', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 3 });
    testScheduler.run(({ cold, expectObservable }) => {
      testScheduler.schedule(() => void executor.shutdown({ cancelFutures: true, wait: false }), 1);
      expectObservable(cold('(ab)').pipe(mapOrdered$(executor, (s: string) => s))).toBe('---(a#)', undefined, new CancelledError());
    });
  });

  it('should error when submit throws (ShutdownError)', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler });
    void executor.shutdown({ wait: false });
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b');
      expectObservable(source.pipe(mapOrdered$(executor, (s: string) => s))).toBe('-#', undefined, expect.objectContaining({ name: 'ShutdownError' }));
      expectSubscriptions(source.subscriptions).toBe('^!');
    });
  });

  it('should send chunks with chunksize on executors that batch, results in order', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 1, duration: () => 4 });
    testScheduler.run(({ cold, expectObservable }) => {
      // buffersize defaults to 2 × maxWorkers × chunksize = 4. The first value goes alone (nothing else
      // is running), then full chunks of 2 as room allows, the tail once the source has completed.
      // A chunk's calls run one after the other on one worker (2 × 4 frames); its results arrive together.
      const expected = '----a-------(bc)----(de)(f|)';
      expectObservable(cold('(abcdef|)').pipe(mapOrdered$(executor, (s: string) => s, { chunksize: 2 }))).toBe(expected);
    });
    const started = brief(executor.log).filter(([, e]) => e === 'started');
    expect(started).toEqual([
      [0, 'started', 'a'],
      [4, 'started', 'b'],
      [8, 'started', 'c'],
      [12, 'started', 'd'],
      [16, 'started', 'e'],
      [20, 'started', 'f'],
    ]);
  });

  it('should be cold: each subscription submits its own calls', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 4, duration: () => 1 });
    testScheduler.run(({ cold, expectObservable }) => {
      const result = cold('a|').pipe(mapOrdered$(executor, (s: string) => s));
      expectObservable(result).toBe('-(a|)');
      expectObservable(result).toBe('-(a|)');
    });
    expect(executor.log.filter((e) => e.event === 'submitted')).toHaveLength(2);
  });

  it('should check its options when called', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler });
    expect(() => mapOrdered$(executor, (x: number) => x, { buffersize: 0 })).toThrow(/mapOrdered\$: options.buffersize/);
    expect(() => mapOrdered$(executor, (x: number) => x, { chunksize: 1.5 })).toThrow(RangeError);
    expect(() => mapOrdered$(executor, (x: number) => x, { interrupt: 'yes' as never })).toThrow(/options.interrupt must be a boolean/);
    expect(() => mapOrdered$({} as never, (x: number) => x)).toThrow(/executor must be an Executor/);
  });

  it('should stop a synchronous source once it errored', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler });
    void executor.shutdown({ wait: false });
    let pushed = 0;
    const endless = new Observable<number>((subscriber) => {
      while (!subscriber.closed) subscriber.next(pushed++);
    });
    const errors: unknown[] = [];
    const subscription = endless.pipe(mapOrdered$(executor, (n: number) => n)).subscribe({ error: (e) => errors.push(e) });
    expect(subscription.closed).toBe(true);
    expect(errors).toHaveLength(1);
    expect(pushed).toBeLessThan(3);
  });
});
