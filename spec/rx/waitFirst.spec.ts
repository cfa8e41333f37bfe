import { firstValueFrom, map, type OperatorFunction } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION, Future, wait, waitFirst$, type DoneAndNotDone } from '../../lib';
import { kSubmitBatch } from '../../lib/internal/symbols';
import { VirtualExecutor } from '../../lib/testing';

const byArg = (t: unknown, args: readonly unknown[]) => Math.abs(args[0] as number);
// Futures have no enumerable state, so toEqual cannot tell two apart: compare the split by names.
const names = new Map<Future<unknown>, string>();
const label = <T>(fs: Record<string, Future<T>>): void => {
  for (const [k, f] of Object.entries(fs)) names.set(f, k);
};
const byName = <T>(): OperatorFunction<DoneAndNotDone<T>, { done: string[]; notDone: string[] }> =>
  map(({ done, notDone }) => ({ done: [...done].map((f) => names.get(f)!).sort(), notDone: [...notDone].map((f) => names.get(f)!).sort() }));
const split = (done: string[], notDone: string[]) => ({ done, notDone });
// A negative argument fails after |n| frames.
const work = (n: number) => {
  if (n < 0) throw new Error(`failed ${n}`);
  return n;
};

/** @test {waitFirst$} */
describe('waitFirst$', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('should emit the split at the first completion (FIRST_COMPLETED by default), then complete', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 2, duration: byArg });
    let a!: Future<number>, b!: Future<number>;
    testScheduler.run(({ expectObservable }) => {
      [a, b] = [3, 5].map((n) => executor.submit(work, n));
      label({ a, b });
      expectObservable(waitFirst$([a, b]).pipe(byName())).toBe('---(s|)', { s: split(['a'], ['b']) });
    });
    // After the emission nothing is cancelled: b ran to its end.
    expect(b.resultNow()).toBe(5);
  });

  it('should wait for the first exception with FIRST_EXCEPTION, or for all', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 3, duration: byArg });
    testScheduler.run(({ expectObservable }) => {
      const [a, b, c] = [1, -3, 6].map((n) => executor.submit(work, n));
      label({ a, b, c });
      expectObservable(waitFirst$([a, b, c], { returnWhen: FIRST_EXCEPTION }).pipe(byName())).toBe('---(s|)', { s: split(['a', 'b'], ['c']) });
      const other = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 2, duration: byArg });
      const [d, e] = [1, 2].map((n) => other.submit(work, n));
      label({ d, e });
      expectObservable(waitFirst$([d, e], { returnWhen: FIRST_EXCEPTION }).pipe(byName())).toBe('--(s|)', { s: split(['d', 'e'], []) });
    });
  });

  it('should wait for all with ALL_COMPLETED', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 2, duration: byArg });
    testScheduler.run(({ expectObservable }) => {
      const [a, b] = [-1, 4].map((n) => executor.submit(work, n));
      label({ a, b });
      expectObservable(waitFirst$([a, b], { returnWhen: ALL_COMPLETED }).pipe(byName())).toBe('----(s|)', { s: split(['a', 'b'], []) });
    });
  });

  it('should emit at once when the condition already holds, and for no futures', () => {
    const done = new Future<number>();
    done.setResult(1);
    const pending = new Future<number>();
    label({ done, pending });
    testScheduler.run(({ expectObservable }) => {
      expectObservable(waitFirst$([done, pending]).pipe(byName())).toBe('(s|)', { s: split(['done'], ['pending']) });
      expectObservable(waitFirst$([]).pipe(byName())).toBe('(s|)', { s: split([], []) });
    });
    expect(pending.state).toBe('pending');
  });

  it('should emit the split at the timeout (not an error) and cancel nothing', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 2, duration: byArg });
    let a!: Future<number>, b!: Future<number>;
    testScheduler.run(({ expectObservable }) => {
      [a, b] = [6, 8].map((n) => executor.submit(work, n));
      label({ a, b });
      expectObservable(waitFirst$([a, b], { returnWhen: ALL_COMPLETED, timeout: 3 }).pipe(byName())).toBe('---(s|)', { s: split([], ['a', 'b']) });
    });
    expect([a.resultNow(), b.resultNow()]).toEqual([6, 8]);
  });

  it('should cancel the unfinished futures when unsubscribed before the emission', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 1, duration: byArg });
    testScheduler.run(({ expectObservable }) => {
      const fs = [5, 5].map((n) => executor.submit(work, n));
      expectObservable(waitFirst$(fs), '^-!').toBe('--');
    });
    expect(executor.log.filter((e) => e.time === 2).map((e) => [e.event, e.id])).toEqual([
      ['cancelled', 2],
      ['interrupted', 1],
    ]);
  });

  it('should not cancel with cancelOnUnsubscribe: false, nor interrupt with interrupt: false', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 1, duration: byArg });
    testScheduler.run(({ expectObservable }) => {
      const fs = [2, 2].map((n) => executor.submit(work, n));
      expectObservable(waitFirst$(fs, { cancelOnUnsubscribe: false }), '^!').toBe('-');
      const gs = [2, 2].map((n) => executor.submit(work, n));
      expectObservable(waitFirst$(gs, { interrupt: false }), '^!').toBe('-');
    });
    expect(executor.log.filter((e) => e.event === 'cancelled' || e.event === 'interrupted').map((e) => [e.event, e.id])).toEqual([
      ['cancelled', 4],
      ['cancelled', 3],
    ]);
  });

  it('should take the split as wait does: futures that end in one synchronous run are all done', () => {
    testScheduler.run(({ expectObservable }) => {
      const [a, b, c] = [new Future<number>(), new Future<number>(), new Future<number>()];
      label({ a, b, c });
      // At frame 2 one action settles a and b together (a chunk's results arrive that way).
      testScheduler.schedule(() => {
        a.setResult(1);
        b.setResult(2);
      }, 2);
      expectObservable(waitFirst$([a, b, c]).pipe(byName())).toBe('--(s|)', { s: split(['a', 'b'], ['c']) });
    });
  });

  it('should take the split as wait does for a chunk of a VirtualExecutor', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 1, duration: () => 1 });
    testScheduler.run(({ expectObservable }) => {
      // One chunk: both calls run on one worker and their results are set together, at frame 2.
      const [a, b] = executor[kSubmitBatch]((n: number) => n, [[1], [2]]);
      label({ a, b });
      expectObservable(waitFirst$([a, b]).pipe(byName())).toBe('--(s|)', { s: split(['a', 'b'], []) });
    });
  });

  it('should give the split wait gives for the same futures at the same moment (real time)', async () => {
    const [a, b, c] = [new Future<number>(), new Future<number>(), new Future<number>()];
    const fromWait = wait([a, b, c], { returnWhen: FIRST_COMPLETED });
    const fromRx = firstValueFrom(waitFirst$([a, b, c], { cancelOnUnsubscribe: false }));
    a.setResult(1);
    b.cancel();
    const [w, r] = await Promise.all([fromWait, fromRx]);
    expect([r.done.size, r.notDone.size]).toEqual([w.done.size, w.notDone.size]);
    expect([...r.done]).toEqual([...w.done]);
    expect([r.done.size, r.notDone.size]).toEqual([2, 1]);
  });

  it('should cancel the unfinished futures when unsubscribed after the condition but before the split', () => {
    const [a, b, c] = [new Future<number>(), new Future<number>(), new Future<number>()];
    let emitted = 0;
    const subscription = waitFirst$([a, b, c]).subscribe(() => (emitted += 1));
    a.setResult(1);
    subscription.unsubscribe();
    expect(emitted).toBe(0);
    expect([b.cancelled(), c.cancelled()]).toEqual([true, true]);
  });

  it('should check its arguments when called', () => {
    expect(() => waitFirst$([], { returnWhen: 'SOMETIMES' as never })).toThrow(/options.returnWhen must be/);
    expect(() => waitFirst$([], { timeout: Number.NaN })).toThrow(RangeError);
    expect(() => waitFirst$(null as never)).toThrow(TypeError);
  });
});
