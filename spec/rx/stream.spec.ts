import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { stream$, task, type Executor } from '../../lib';
import { VirtualExecutor, type VirtualLogEntry } from '../../lib/testing';

const brief = (log: readonly VirtualLogEntry[]) => log.map((e) => [e.time, e.event, e.id] as const);

function* progress(steps: number): Generator<string, string> {
  for (let i = 1; i <= steps; i++) yield `${i}/${steps}`;
  return 'the return value is not emitted';
}

/** @test {stream$} */
describe('stream$', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('should emit each yielded value as it is produced and complete when the generator returns', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 3 });
    testScheduler.run(({ expectObservable }) => {
      expectObservable(stream$(executor, progress, 3)).toBe('---a--b--(c|)', { a: '1/3', b: '2/3', c: '3/3' });
    });
    expect(brief(executor.log)).toEqual([
      [0, 'submitted', 1],
      [0, 'started', 1],
      [9, 'finished', 1],
    ]);
  });

  it('should run a generator from a module Task', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler });
    const countTo = task<[number], Iterable<number>>(require.resolve('../testing/fixtures/tasks'), 'countTo');
    testScheduler.run(({ expectObservable }) => {
      expectObservable(stream$(executor, countTo, 2)).toBe('-a(b|)', { a: 1, b: 2 });
    });
  });

  it('should error with the generator\'s exception after the values before it', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 2 });
    const boom = Object.assign(new Error('half way'), { code: 'E_HALF' });
    testScheduler.run(({ expectObservable }) => {
      const result = stream$(executor, function* () {
        yield 'first';
        throw boom;
      });
      expectObservable(result).toBe('--a-#', { a: 'first' }, boom);
    });
    expect(executor.log.at(-1)).toMatchObject({ time: 4, event: 'failed' });
  });

  it('should interrupt the generator when unsubscribed, freeing the worker', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 2 });
    let produced = 0;
    testScheduler.run(({ expectObservable }) => {
      const endless = stream$(executor, function* () {
        for (;;) yield ++produced;
      });
      expectObservable(endless, '^----!').toBe('--a-b', { a: 1, b: 2 });
      expectObservable(stream$(executor, progress, 1), '^').toBe('-------(a|)', { a: '1/1' });
    });
    expect(produced).toBe(3); // the third value was being produced at frame 5 and is dropped
    expect(brief(executor.log)).toEqual([
      [0, 'submitted', 1],
      [0, 'submitted', 2],
      [0, 'started', 1],
      [5, 'interrupted', 1],
      [5, 'started', 2],
      [7, 'finished', 2],
    ]);
  });

  it('should interrupt on take(n)', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler });
    testScheduler.run(({ expectObservable }) => {
      expectObservable(stream$(executor, progress, 10).pipe(take(2))).toBe('-a(b|)', { a: '1/10', b: '2/10' });
    });
    expect(executor.log.at(-1)).toMatchObject({ time: 2, event: 'interrupted' });
  });

  it('should cancel a queued run when unsubscribed, and start one run per subscription', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 2 });
    testScheduler.run(({ expectObservable }) => {
      const twice = stream$(executor, progress, 1);
      expectObservable(twice).toBe('--(a|)', { a: '1/1' });
      expectObservable(twice, '^!').toBe('-');
    });
    expect(brief(executor.log)).toEqual([
      [0, 'submitted', 1],
      [0, 'submitted', 2],
      [0, 'started', 1],
      [1, 'cancelled', 2],
      [2, 'finished', 1],
    ]);
  });

  it('should error when stream() throws (ShutdownError)', () => {
    const executor = new VirtualExecutor({ scheduler: testScheduler });
    void executor.shutdown({ wait: false });
    testScheduler.run(({ expectObservable }) => {
      expectObservable(stream$(executor, progress, 1)).toBe('#', undefined, expect.objectContaining({ name: 'ShutdownError' }));
    });
  });

  describe('on an executor whose stream is only an async iterator', () => {
    // The generic path: pull with next(), interrupt with return().
    function asyncOnly(returned: string[]): Executor {
      return {
        maxWorkers: 1,
        stream: (fn: (...a: unknown[]) => Iterable<unknown>, ...args: unknown[]) =>
          (async function* () {
            try {
              for (const v of fn(...args)) {
                await new Promise((r) => setTimeout(r, 1));
                yield v;
              }
            } finally {
              returned.push('return');
            }
          })(),
      } as unknown as Executor;
    }

    it('should emit the values and complete', async () => {
      const returned: string[] = [];
      expect(await lastValueFrom(stream$(asyncOnly(returned), progress, 3).pipe(toArray()))).toEqual(['1/3', '2/3', '3/3']);
    });

    it('should call return() when unsubscribed early (firstValueFrom)', async () => {
      const returned: string[] = [];
      expect(await firstValueFrom(stream$(asyncOnly(returned), progress, 5))).toBe('1/5');
      await new Promise((r) => setTimeout(r, 5));
      expect(returned).toEqual(['return']);
    });

    it('should error with what next() rejects with', async () => {
      const returned: string[] = [];
      const failing = stream$(asyncOnly(returned), function* () {
        yield 1;
        throw new TypeError('async boom');
      });
      await expect(lastValueFrom(failing)).rejects.toThrow('async boom');
    });
  });
});
