/**
 * VirtualExecutor in marble tests as an RxJS user writes them (issue #16):
 * no scheduler option inside run(), maxWorkers: Infinity, calls as
 * subscription logs, and the call's AbortSignal.
 */
import { delay, of, switchMap } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { currentAbortSignal, mapOrdered$, mapUnordered$, stream$, submit$ } from '../../lib';
import { VirtualExecutor } from '../../lib/testing';
import { runInPlainNode } from '../helpers/futures';

/** @test {VirtualExecutor} */
describe('VirtualExecutor in marble tests', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  describe('scheduler', () => {
    it('should default to asyncScheduler, virtual inside run(), as RxJS operators do', () => {
      testScheduler.run(({ cold, expectObservable }) => {
        const executor = new VirtualExecutor({ maxWorkers: 2, duration: () => 3 });
        const source = cold('ab|', { a: 2, b: 3 });
        expectObservable(source.pipe(mapOrdered$(executor, (n: number) => n * n))).toBe('---x(y|)', { x: 4, y: 9 });
      });
    });

    it('should keep time with the operators of the same run (delay uses asyncScheduler too)', () => {
      testScheduler.run(({ expectObservable }) => {
        const executor = new VirtualExecutor({ duration: () => 4 });
        const result = of(1).pipe(delay(2), switchMap((n) => submit$(executor, (x: number) => x + 1, n)));
        expectObservable(result).toBe('------(a|)', { a: 2 });
      });
    });

    it('should still take an explicit scheduler', () => {
      const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 2 });
      testScheduler.run(({ expectObservable }) => {
        expectObservable(submit$(executor, () => 'done')).toBe('--(d|)', { d: 'done' });
      });
    });

    it('should fail a promise still pending at the end of its duration inside run(), as with an explicit TestScheduler', () => {
      testScheduler.run(({ expectObservable }) => {
        const executor = new VirtualExecutor({ duration: () => 1 });
        expectObservable(submit$(executor, () => new Promise<never>(() => undefined))).toBe(
          '-#',
          undefined,
          expect.objectContaining({ name: 'TypeError' }),
        );
      });
    });
  });

  describe('maxWorkers: Infinity', () => {
    it('should start every call at once', () => {
      testScheduler.run(({ cold, expectObservable }) => {
        const executor = new VirtualExecutor({ maxWorkers: Infinity, duration: (_task, [n]) => n as number });
        const source = cold('(abcdefgh|)', { a: 8, b: 7, c: 6, d: 5, e: 4, f: 3, g: 2, h: 1 });
        // Every call runs from frame 0, so each ends at its own duration: completion order is reversed.
        const expected = '-hgfedcb(a|)';
        const values = { a: 8, b: 7, c: 6, d: 5, e: 4, f: 3, g: 2, h: 1 };
        expectObservable(source.pipe(mapUnordered$(executor, (n: number) => n))).toBe(expected, values);
        expect(executor.maxWorkers).toBe(Infinity);
      });
    });
  });

  describe('subscriptionsOf', () => {
    it('should show a call interrupted by an unsubscribe as ^---!', () => {
      testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const executor = new VirtualExecutor({ duration: () => 10 });
        const slow = (x: string) => x.toUpperCase();
        const source = cold('--a');
        const unsub = '      ^-----!';
        //                     slow: ^---!   submitted at 2, interrupted at 6
        expectObservable(source.pipe(mapOrdered$(executor, slow)), unsub).toBe('------');
        expectSubscriptions(executor.subscriptionsOf(slow)).toBe('--^---!');
      });
    });

    it('should show each call from submission to its end, queued time included, per task', () => {
      let executor!: VirtualExecutor;
      testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        executor = new VirtualExecutor({ maxWorkers: 1, duration: () => 2 });
        const double = (n: number) => n * 2;
        const other = (n: number) => n;
        const source = cold('a-b|', { a: 1, b: 2 });
        expectObservable(source.pipe(mapOrdered$(executor, double, { buffersize: 1 }))).toBe('--x---(y|)', { x: 2, y: 4 });
        expectObservable(submit$(executor, other, 0), '-^').toBe('----(z|)', { z: 0 });
        // One worker, FIFO: double(1) 0-2; other(0), submitted at 1, runs 2-4; double(2), submitted at 2, runs 4-6.
        expectSubscriptions(executor.subscriptionsOf(double)).toBe(['^-!', '--^---!']);
        expectSubscriptions(executor.subscriptionsOf(other)).toBe('-^--!');
      });
      expect(executor.subscriptionsOf()).toHaveLength(3);
    });

    it('should leave a call that has not ended open (no !) until it ends', () => {
      const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 5 });
      const work = () => 1;
      executor.submit(work);
      expect(executor.subscriptionsOf(work).map((l) => [l.subscribedFrame, l.unsubscribedFrame])).toEqual([[0, Infinity]]);
      testScheduler.flush();
      expect(executor.subscriptionsOf(work).map((l) => [l.subscribedFrame, l.unsubscribedFrame])).toEqual([[0, 5]]);
    });
  });

  describe('currentAbortSignal', () => {
    it('should give a task its call\'s signal, aborted when the call is interrupted', () => {
      const signals: AbortSignal[] = [];
      const reasons: unknown[] = [];
      testScheduler.run(({ cold, expectObservable }) => {
        const executor = new VirtualExecutor({ maxWorkers: 2, duration: () => 5 });
        const watch = (x: string) => {
          const signal = currentAbortSignal();
          signals.push(signal);
          signal.addEventListener('abort', () => reasons.push(signal.reason));
          return x;
        };
        expectObservable(cold('ab').pipe(mapOrdered$(executor, watch)), '^--!').toBe('---');
      });
      expect(signals).toHaveLength(2);
      expect(signals[0]).not.toBe(signals[1]);
      expect(signals.map((s) => s.aborted)).toEqual([true, true]);
      expect(reasons.map((r) => (r as Error).name)).toEqual(['CancelledError', 'CancelledError']);
    });

    it('should not abort the signal of a call that finished, nor be aborted outside a call', () => {
      let seen: AbortSignal | undefined;
      testScheduler.run(({ expectObservable }) => {
        const executor = new VirtualExecutor({ duration: () => 1 });
        expectObservable(submit$(executor, () => ((seen = currentAbortSignal()), 1))).toBe('-(a|)', { a: 1 });
      });
      expect(seen?.aborted).toBe(false);
      expect(currentAbortSignal().aborted).toBe(false);
    });

    it('should give every step of a generator task its call\'s signal, aborted when unsubscribed', () => {
      const signals: AbortSignal[] = [];
      testScheduler.run(({ expectObservable }) => {
        const executor = new VirtualExecutor({ duration: () => 2 });
        function* ticks() {
          for (let i = 0; ; i++) {
            signals.push(currentAbortSignal());
            yield i;
          }
        }
        expectObservable(stream$(executor, ticks), '^----!').toBe('--a-b', { a: 0, b: 1 });
      });
      expect(signals.length).toBeGreaterThanOrEqual(2);
      expect(new Set(signals).size).toBe(1);
      expect(signals[0].aborted).toBe(true);
    });
  });

  describe('after the process began exiting', () => {
    it('should throw ShutdownError from submit, map and stream, as every executor does', async () => {
      const { stdout } = await runInPlainNode(`
        const { VirtualExecutor } = lib('testing/index.ts');
        const { TestScheduler } = require('rxjs/testing');
        const executor = new VirtualExecutor({ scheduler: new TestScheduler(() => undefined) });
        process.on('exit', () => {
          const seen = [];
          for (const call of [() => executor.submit(() => 1), () => executor.map((x) => x, [1]), () => executor.stream(function* () {})]) {
            try { call(); seen.push('no error'); } catch (e) { seen.push(e.name + ': ' + e.message); }
          }
          process.stdout.write(JSON.stringify(seen));
        });
      `);
      expect(JSON.parse(stdout)).toEqual([
        'ShutdownError: submit: cannot schedule new futures after interpreter shutdown (the process is exiting)',
        'ShutdownError: map: cannot schedule new futures after interpreter shutdown (the process is exiting)',
        'ShutdownError: stream: cannot schedule new futures after interpreter shutdown (the process is exiting)',
      ]);
    });
  });
});
