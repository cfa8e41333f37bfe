/**
 * Both map operators behind an executor whose `submit` completes its futures synchronously: the
 * source subscription belongs to the downstream subscriber from the first value (STYLE.md (d)1),
 * so `take(1)` or a failing call stops a synchronous source at once, as mergeMap does.
 */
import { Observable, range, take, tap } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { mapOrdered$, mapUnordered$ } from '../../lib';
import { SyncExecutor } from '../helpers/syncExecutor';

describe.each([
  ['mapOrdered$', mapOrdered$],
  ['mapUnordered$', mapUnordered$],
] as const)('%s with an executor that completes its futures synchronously', (_name, operator) => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('should pull one value from an endless synchronous source for take(1), as mergeMap does', () => {
    const direct = new SyncExecutor();
    let pulled = 0;
    const endless = new Observable<number>((subscriber) => {
      while (!subscriber.closed) subscriber.next(pulled++);
    });
    const values: number[] = [];
    let completed = false;
    endless.pipe(operator(direct, (x: number) => x * 2), take(1)).subscribe({ next: (v) => values.push(v), complete: () => (completed = true) });
    expect(values).toEqual([0]);
    expect(completed).toBe(true);
    expect(pulled).toBe(1);
    expect(direct.calls).toBe(1);
  });

  it('should pull one value from range(0, 1e6) for take(1)', () => {
    const direct = new SyncExecutor();
    const seen: number[] = [];
    range(0, 1e6)
      .pipe(
        tap((x) => seen.push(x)),
        operator(direct, (x: number) => x * 2),
        take(1),
      )
      .subscribe();
    expect(seen).toEqual([0]);
    expect(direct.calls).toBe(1);
  });

  it('should emit every result in order and complete', () => {
    const direct = new SyncExecutor();
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-(c|)', { a: 1, b: 2, c: 3 });
      const subs = '       ^----!';
      const expected = '   -x-y-(z|)';
      expectObservable(source.pipe(operator(direct, (n: number) => n * 10))).toBe(expected, { x: 10, y: 20, z: 30 });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('should stop a synchronous source at the first failing call', () => {
    const direct = new SyncExecutor();
    let pulled = 0;
    const endless = new Observable<number>((subscriber) => {
      while (!subscriber.closed) subscriber.next(pulled++);
    });
    const boom = new Error('boom');
    const errors: unknown[] = [];
    const subscription = endless
      .pipe(
        operator(direct, (n: number) => {
          if (n === 2) throw boom;
          return n;
        }),
      )
      .subscribe({ error: (e) => errors.push(e) });
    expect(subscription.closed).toBe(true);
    expect(errors).toEqual([boom]);
    expect(pulled).toBe(3);
  });
});
