import { TestScheduler } from 'rxjs/testing';
import { CancelledError, Future, fromFuture } from '../../lib';
import { VirtualExecutor } from '../../lib/testing';

/** @test {fromFuture} */
describe('fromFuture', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('should emit the result of a done future at once and complete', () => {
    const f = new Future<number>();
    f.setResult(1);
    testScheduler.run(({ expectObservable }) => {
      expectObservable(fromFuture(f)).toBe('(a|)', { a: 1 });
    });
  });

  it('should emit when the future finishes, to every subscriber', () => {
    const f = new Future<string>();
    testScheduler.run(({ expectObservable }) => {
      testScheduler.schedule(() => f.setResult('ok'), 3);
      expectObservable(fromFuture(f)).toBe('---(a|)', { a: 'ok' });
      expectObservable(fromFuture(f), '--^').toBe('---(a|)', { a: 'ok' });
    });
  });

  it('should error with the stored exception itself', () => {
    const f = new Future();
    const boom = new TypeError('boom');
    testScheduler.run(({ expectObservable }) => {
      testScheduler.schedule(() => f.setException(boom), 2);
      expectObservable(fromFuture(f)).toBe('--#', undefined, boom);
    });
  });

  it('should error with CancelledError when the future is cancelled', () => {
    const f = new Future();
    testScheduler.run(({ expectObservable }) => {
      testScheduler.schedule(() => f.cancel(), 1);
      expectObservable(fromFuture(f)).toBe('-#', undefined, new CancelledError());
    });
  });

  it('should not cancel the future on unsubscribe by default (it is not ours)', () => {
    const f = new Future();
    testScheduler.run(({ expectObservable }) => {
      expectObservable(fromFuture(f), '^-!').toBe('--');
    });
    expect(f.state).toBe('pending');
  });

  it('should cancel, interrupting, with cancelOnUnsubscribe', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 5 });
    testScheduler.run(({ expectObservable }) => {
      const running = executor.submit(() => 'a');
      const queued = executor.submit(() => 'b');
      expectObservable(fromFuture(running, { cancelOnUnsubscribe: true }), '^--!').toBe('---');
      expectObservable(fromFuture(queued, { cancelOnUnsubscribe: true }), '^-!').toBe('--');
    });
    expect(executor.log.filter((e) => e.event === 'interrupted' || e.event === 'cancelled')).toEqual([
      { time: 2, event: 'cancelled', id: 2, args: [] },
      { time: 3, event: 'interrupted', id: 1, args: [] },
    ]);
  });

  it('should leave a running task alone with interrupt: false (Python semantics)', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 5 });
    let running!: Future<string>;
    testScheduler.run(({ expectObservable }) => {
      running = executor.submit(() => 'a');
      expectObservable(fromFuture(running, { cancelOnUnsubscribe: true, interrupt: false }), '^--!').toBe('---');
    });
    expect(running.resultNow()).toBe('a');
  });

  it('should throw TypeError for a non-future', () => {
    expect(() => fromFuture(Promise.resolve(1) as never)).toThrow(/fromFuture: future must be a Future/);
  });
});
