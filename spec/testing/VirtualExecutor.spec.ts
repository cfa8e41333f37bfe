import { asyncScheduler } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { Future, task, taskModule, type Executor } from '../../lib';
import { kSubmitBatch } from '../../lib/internal/symbols';
import { VirtualExecutor, type VirtualLogEntry } from '../../lib/testing';

type Tasks = typeof import('./fixtures/tasks');
const tasks = taskModule<Tasks>(require.resolve('./fixtures/tasks'));

/** Log lines without args, for short expectations: [time, event, id]. */
const brief = (log: readonly VirtualLogEntry[]) => log.map((e) => [e.time, e.event, e.id] as const);

/** @test {VirtualExecutor} */
describe('VirtualExecutor', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  describe('options', () => {
    it('should check its options at the edge, naming them', () => {
      expect(() => new VirtualExecutor({ scheduler: {} as never })).toThrow(/options.scheduler must be an RxJS SchedulerLike/);
      expect(() => new VirtualExecutor({ scheduler: testScheduler, maxWorkers: -Infinity })).toThrow(/options.maxWorkers/);
      expect(() => new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 0 })).toThrow(RangeError);
      expect(() => new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 1.5 })).toThrow(/options.maxWorkers/);
      expect(() => new VirtualExecutor({ scheduler: testScheduler, duration: 3 as never })).toThrow(/options.duration must be a function/);
    });

    it('should default to one worker and one frame per call', () => {
      testScheduler.run(({ flush }) => {
        const executor = new VirtualExecutor({ scheduler: testScheduler });
        expect(executor.maxWorkers).toBe(1);
        executor.submit((x: number) => x, 1);
        executor.submit((x: number) => x, 2);
        flush();
        expect(brief(executor.log)).toEqual([
          [0, 'submitted', 1],
          [0, 'submitted', 2],
          [0, 'started', 1],
          [1, 'finished', 1],
          [1, 'started', 2],
          [2, 'finished', 2],
        ]);
      });
    });

    it('should be an Executor', () => {
      const executor: Executor = new VirtualExecutor({ scheduler: testScheduler });
      expect(typeof executor.submit).toBe('function');
    });
  });

  describe('submit', () => {
    it('should run at most maxWorkers calls at once and queue the rest in FIFO order', () => {
      testScheduler.run(({ flush }) => {
        const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 2, duration: () => 3 });
        const futures = [1, 2, 3].map((x) => executor.submit((n: number) => n * 10, x));
        expect(futures.map((f) => f.state)).toEqual(['pending', 'pending', 'pending']);
        flush();
        expect(futures.map((f) => f.resultNow())).toEqual([10, 20, 30]);
        expect(executor.log).toEqual([
          { time: 0, event: 'submitted', id: 1, args: [1] },
          { time: 0, event: 'submitted', id: 2, args: [2] },
          { time: 0, event: 'submitted', id: 3, args: [3] },
          { time: 0, event: 'started', id: 1, args: [1] },
          { time: 0, event: 'started', id: 2, args: [2] },
          { time: 3, event: 'finished', id: 1, args: [1] },
          { time: 3, event: 'finished', id: 2, args: [2] },
          { time: 3, event: 'started', id: 3, args: [3] },
          { time: 6, event: 'finished', id: 3, args: [3] },
        ]);
      });
    });

    it('should take duration(task, args) frames per call, and mark the future running meanwhile', () => {
      testScheduler.run(({ flush }) => {
        const slow = (ms: number) => ms;
        const executor = new VirtualExecutor({
          scheduler: testScheduler,
          maxWorkers: 4,
          duration: (t, args) => (t === slow ? (args[0] as number) : 1),
        });
        const a = executor.submit(slow, 5);
        const b = executor.submit((x: string) => x, 'quick');
        testScheduler.schedule(() => {
          expect(a.running()).toBe(true);
          expect(b.done()).toBe(true);
        }, 2);
        flush();
        expect(brief(executor.log).filter(([, e]) => e === 'finished')).toEqual([
          [1, 'finished', 2],
          [5, 'finished', 1],
        ]);
      });
    });

    it('should store a thrown exception, whole, at the end of the duration', () => {
      testScheduler.run(({ flush }) => {
        const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 2 });
        const boom = new TypeError('boom');
        const f = executor.submit(() => {
          throw boom;
        });
        flush();
        expect(f.exceptionNow()).toBe(boom);
        expect(brief(executor.log)).toEqual([
          [0, 'submitted', 1],
          [0, 'started', 1],
          [2, 'failed', 1],
        ]);
      });
    });

    it('should run closures, in-process (no cloning)', () => {
      testScheduler.run(({ flush }) => {
        const executor = new VirtualExecutor({ scheduler: testScheduler });
        const seen: object[] = [];
        const arg = { n: 1 };
        const f = executor.submit((o: object) => (seen.push(o), o), arg);
        flush();
        expect(seen[0]).toBe(arg);
        expect(f.resultNow()).toBe(arg);
      });
    });

    it('should throw TypeError for something that is not a task', () => {
      const executor = new VirtualExecutor({ scheduler: testScheduler });
      expect(() => executor.submit(42 as never)).toThrow(TypeError);
    });
  });

  describe('module tasks', () => {
    it('should require a module Task in-process', () => {
      testScheduler.run(({ flush }) => {
        const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 2 });
        const a = executor.submit(tasks.square, 7);
        const b = executor.submit(task<[string], never>(require.resolve('./fixtures/tasks'), 'fail'), 'bad');
        flush();
        expect(a.resultNow()).toBe(49);
        expect(b.exceptionNow()).toMatchObject({ name: 'RangeError', message: 'bad', code: 'E_FIXTURE' });
      });
    });

    it('should fail the future (not submit) when the export is missing or not a function', () => {
      testScheduler.run(({ flush }) => {
        const executor = new VirtualExecutor({ scheduler: testScheduler });
        const f = executor.submit(task(require.resolve('./fixtures/tasks'), 'notAFunction'));
        const g = executor.submit(task('/nonexistent/module/path.js', 'x'));
        flush();
        expect((f.exceptionNow() as Error).message).toMatch(/has no function export named "notAFunction" \(function exports: square, fail, countTo\)/);
        expect((g.exceptionNow() as Error).message).toMatch(/Cannot find module/);
      });
    });

    it('should pass the Task itself to duration()', () => {
      testScheduler.run(({ flush }) => {
        const executor = new VirtualExecutor({ scheduler: testScheduler, duration: (t) => (t === tasks.square ? 4 : 1) });
        executor.submit(tasks.square, 2);
        flush();
        expect(executor.log.at(-1)).toEqual({ time: 4, event: 'finished', id: 1, args: [2] });
      });
    });
  });

  describe('cancel', () => {
    it('should free a queued call\'s spot when it is cancelled', () => {
      testScheduler.run(({ flush }) => {
        const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 3 });
        const [a, b, c] = [1, 2, 3].map((x) => executor.submit((n: number) => n, x));
        testScheduler.schedule(() => expect(b.cancel()).toBe(true), 1);
        flush();
        expect([a.state, b.state, c.state]).toEqual(['finished', 'cancelled', 'finished']);
        expect(brief(executor.log)).toEqual([
          [0, 'submitted', 1],
          [0, 'submitted', 2],
          [0, 'submitted', 3],
          [0, 'started', 1],
          [1, 'cancelled', 2],
          [3, 'finished', 1],
          [3, 'started', 3],
          [6, 'finished', 3],
        ]);
      });
    });

    it('should refuse cancel() of a running call, as Python does', () => {
      testScheduler.run(({ flush }) => {
        const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 3 });
        const a = executor.submit(() => 'a');
        testScheduler.schedule(() => expect(a.cancel()).toBe(false), 1);
        flush();
        expect(a.resultNow()).toBe('a');
      });
    });

    it('should free the worker at once on cancel({ interrupt: true }) of a running call', () => {
      testScheduler.run(({ flush }) => {
        const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 10 });
        const a = executor.submit(() => 'a');
        const b = executor.submit(() => 'b');
        testScheduler.schedule(() => expect(a.cancel({ interrupt: true })).toBe(true), 2);
        flush();
        expect(a.cancelled()).toBe(true);
        expect(b.resultNow()).toBe('b');
        expect(brief(executor.log)).toEqual([
          [0, 'submitted', 1],
          [0, 'submitted', 2],
          [0, 'started', 1],
          [2, 'interrupted', 1],
          [2, 'started', 2],
          [12, 'finished', 2],
        ]);
      });
    });

    it('should not start queued calls from inside cancel(), so a batch of cancels reads as cancels', () => {
      testScheduler.run(({ flush }) => {
        const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 5 });
        const futures = [1, 2, 3].map((x) => executor.submit((n: number) => n, x));
        testScheduler.schedule(() => {
          for (const f of futures) f.cancel({ interrupt: true });
        }, 1);
        flush();
        expect(brief(executor.log).slice(-3)).toEqual([
          [1, 'interrupted', 1],
          [1, 'cancelled', 2],
          [1, 'cancelled', 3],
        ]);
      });
    });
  });

  describe('kSubmitBatch', () => {
    it('should run a chunk on one worker, one call after another, results together at the end', () => {
      testScheduler.run(({ flush }) => {
        const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 2, duration: () => 2 });
        const chunk = executor[kSubmitBatch]((n: number) => n + 1, [[1], [2], [3]]);
        const single = executor.submit((n: number) => n, 0);
        testScheduler.schedule(() => expect(chunk.map((f) => f.state)).toEqual(['running', 'running', 'running']), 1);
        flush();
        expect(chunk.map((f) => f.resultNow())).toEqual([2, 3, 4]);
        expect(single.resultNow()).toBe(0);
        expect(brief(executor.log).filter(([, e]) => e !== 'submitted')).toEqual([
          [0, 'started', 1],
          [0, 'started', 4],
          [2, 'started', 2],
          [2, 'finished', 4],
          [4, 'started', 3],
          [6, 'finished', 1],
          [6, 'finished', 2],
          [6, 'finished', 3],
        ]);
      });
    });

    it('should skip calls of a queued chunk that were cancelled', () => {
      testScheduler.run(({ flush }) => {
        const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 2 });
        executor.submit(() => 'first');
        const [a, b] = executor[kSubmitBatch]((n: number) => n, [[1], [2]]);
        a.cancel();
        flush();
        expect(a.cancelled()).toBe(true);
        expect(b.resultNow()).toBe(2);
        expect(executor.log.at(-1)).toEqual({ time: 4, event: 'finished', id: 3, args: [2] });
      });
    });

    it('should skip a running chunk\'s call the worker has not reached, and go on (as the thread pool)', () => {
      testScheduler.run(({ flush }) => {
        const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 2 });
        const [a, b, c] = executor[kSubmitBatch]((n: number) => n, [[1], [2], [3]]);
        testScheduler.schedule(() => expect(b.cancel({ interrupt: true })).toBe(true), 1);
        flush();
        expect([a.state, b.state, c.resultNow()]).toEqual(['finished', 'cancelled', 3]);
        expect(brief(executor.log).filter(([, e]) => e !== 'submitted')).toEqual([
          [0, 'started', 1],
          [1, 'cancelled', 2],
          [2, 'started', 3],
          [4, 'finished', 1],
          [4, 'finished', 3],
        ]);
      });
    });

    it('should stop the worker when the call it is executing is interrupted; the rest of the chunk runs again first', () => {
      testScheduler.run(({ flush }) => {
        const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 2 });
        const ran: number[] = [];
        const [a, b, c] = executor[kSubmitBatch]((n: number) => (ran.push(n), n), [[1], [2], [3]]);
        const later = executor.submit((n: number) => n, 4);
        testScheduler.schedule(() => expect(b.cancel({ interrupt: true })).toBe(true), 3);
        flush();
        expect([a.resultNow(), b.state, c.resultNow(), later.resultNow()]).toEqual([1, 'cancelled', 3, 4]);
        // a had run but its result went down with the worker: it runs again, before `later`.
        expect(ran).toEqual([1, 2, 1, 3]);
        expect(brief(executor.log).filter(([, e]) => e !== 'submitted')).toEqual([
          [0, 'started', 1],
          [2, 'started', 2],
          [3, 'interrupted', 2],
          [3, 'started', 1],
          [5, 'started', 3],
          [7, 'finished', 1],
          [7, 'finished', 3],
          [7, 'started', 4],
          [9, 'finished', 4],
        ]);
      });
    });

    it('should keep a re-run chunk\'s calls running: cancel() is refused, cancel({ interrupt: true }) skips them', () => {
      testScheduler.run(({ flush }) => {
        const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: 1, duration: () => 2 });
        executor.submit(() => 'busy');
        const [a, b] = executor[kSubmitBatch]((n: number) => n, [[1], [2]]);
        testScheduler.schedule(() => a.cancel({ interrupt: true }), 3); // a is executing: b is re-queued
        testScheduler.schedule(() => {
          expect(b.cancel()).toBe(false);
          expect(b.cancel({ interrupt: true })).toBe(true);
        }, 3);
        flush();
        expect([a.state, b.state]).toEqual(['cancelled', 'cancelled']);
        expect(brief(executor.log).filter(([, e]) => e === 'cancelled' || e === 'interrupted')).toEqual([
          [3, 'interrupted', 2],
          [3, 'cancelled', 3],
        ]);
        expect(brief(executor.log).filter(([, e]) => e === 'started').map(([, , id]) => id)).toEqual([1, 2]);
      });
    });
  });

  describe('shutdown', () => {
    it('should refuse new work with ShutdownError from the moment it is called', () => {
      const executor = new VirtualExecutor({ scheduler: testScheduler });
      void executor.shutdown({ wait: false });
      expect(() => executor.submit(() => 1)).toThrow(expect.objectContaining({ name: 'ShutdownError' }));
      expect(() => executor.stream(function* () {})).toThrow(expect.objectContaining({ name: 'ShutdownError' }));
      expect(() => executor.map((x: number) => x, [1])).toThrow(expect.objectContaining({ name: 'ShutdownError' }));
    });

    it('should reject options of the wrong type, naming them', async () => {
      const executor = new VirtualExecutor({ scheduler: testScheduler });
      await expect(executor.shutdown({ wait: 'yes' as never })).rejects.toThrow('shutdown: options.wait must be a boolean');
      await expect(executor.shutdown(null as never)).rejects.toThrow(TypeError);
    });

    it('should resolve shutdown({ wait: true }) once queued and running calls have ended', async () => {
      const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 3 });
      const a = executor.submit(() => 'a');
      const b = executor.submit(() => 'b');
      let resolved = false;
      const shutdown = executor.shutdown().then(() => (resolved = true));
      await Promise.resolve();
      expect(resolved).toBe(false);
      testScheduler.flush();
      await shutdown;
      expect([a.resultNow(), b.resultNow()]).toEqual(['a', 'b']);
    });

    it('should cancel queued calls with cancelFutures, and let running ones finish', async () => {
      const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 3 });
      const a = executor.submit(() => 'a');
      const b = executor.submit(() => 'b');
      testScheduler.schedule(() => void executor.shutdown({ cancelFutures: true }), 1);
      testScheduler.flush();
      expect(a.resultNow()).toBe('a');
      expect(b.cancelled()).toBe(true);
      expect(brief(executor.log).slice(-2)).toEqual([
        [1, 'cancelled', 2],
        [3, 'finished', 1],
      ]);
      await executor.shutdown();
    });

    it('should resolve shutdown({ wait: false }) at once while work still finishes; twice is harmless', async () => {
      const executor = new VirtualExecutor({ scheduler: testScheduler });
      const a = executor.submit(() => 'a');
      await executor.shutdown({ wait: false });
      await executor.shutdown({ wait: false });
      expect(a.state).toBe('pending');
      testScheduler.flush();
      expect(a.resultNow()).toBe('a');
      await executor[Symbol.asyncDispose]();
    });
  });

  describe('Promise results', () => {
    it('should fail a call whose Promise has not settled when virtual time ends it, saying why', () => {
      testScheduler.run(({ flush }) => {
        const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 2 });
        const f = executor.submit(async (n: number) => n * 2, 21);
        const g = executor.submit(() => Promise.reject(new Error('never unhandled')));
        flush();
        expect(f.exceptionNow()).toBeInstanceOf(TypeError);
        expect((f.exceptionNow() as Error).message).toMatch(/returned a Promise .* virtual time \(TestScheduler\)/);
        expect((g.exceptionNow() as Error).message).toMatch(/returned a Promise/);
        expect(brief(executor.log).slice(-3)).toEqual([
          [2, 'failed', 1],
          [2, 'started', 2],
          [4, 'failed', 2],
        ]);
      });
    });

    it('should await a Promise result on a real-time scheduler, as the thread pool does', async () => {
      const executor = new VirtualExecutor({ scheduler: asyncScheduler, maxWorkers: 2, duration: () => 1 });
      const f = executor.submit(async (n: number) => {
        await new Promise((r) => setTimeout(r, 20));
        return n * 2;
      }, 21);
      const g = executor.submit(async () => {
        throw new RangeError('async boom');
      });
      expect(await f).toBe(42);
      await expect(g.result()).rejects.toThrow('async boom');
      await executor.shutdown();
    });
  });

  describe('map', () => {
    it('should yield results in input order, through the shared orderedMap engine', async () => {
      const executor = new VirtualExecutor({ scheduler: asyncScheduler, maxWorkers: 3, duration: (_t, args) => 30 - 10 * (args[0] as number) });
      const results: number[] = [];
      for await (const y of executor.map((x: number) => x * x, [1, 2, 3])) results.push(y);
      expect(results).toEqual([1, 4, 9]);
      await executor.shutdown();
    });

    it('should throw a call\'s exception at its position and cancel the rest', async () => {
      const executor = new VirtualExecutor({ scheduler: asyncScheduler, duration: () => 0 });
      const seen: number[] = [];
      const run = async () => {
        for await (const y of executor.map((x: number) => (x === 2 ? (() => { throw new Error('two'); })() : x), [1, 2, 3, 4], { buffersize: 2 })) seen.push(y);
      };
      await expect(run()).rejects.toThrow('two');
      expect(seen).toEqual([1]);
      await executor.shutdown();
      expect(executor.log.some((e) => e.args[0] === 4 && e.event === 'finished')).toBe(false);
    });

    it('should send chunks as batches with chunksize', async () => {
      const executor = new VirtualExecutor({ scheduler: asyncScheduler, maxWorkers: 2, duration: () => 0 });
      const results: number[] = [];
      for await (const y of executor.map((x: number) => -x, [1, 2, 3, 4, 5], { chunksize: 2 })) results.push(y);
      expect(results).toEqual([-1, -2, -3, -4, -5]);
      // Each chunk of two runs on one worker: ids 1 and 2 start on the same worker, one after the other.
      const started = executor.log.filter((e) => e.event === 'started').map((e) => e.args[0]);
      expect(started).toEqual([1, 3, 2, 4, 5]);
      await executor.shutdown();
    });
  });

  describe('stream', () => {
    it('should take one duration per yielded value, and end when the generator returns', () => {
      testScheduler.run(({ flush }) => {
        const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 2 });
        const it = executor.stream(tasks.countTo, 3);
        flush();
        expect(brief(executor.log)).toEqual([
          [0, 'submitted', 1],
          [0, 'started', 1],
          [6, 'finished', 1],
        ]);
        expect(it.next).toBeDefined();
      });
    });

    it('should hand out the values through async iteration', async () => {
      const executor = new VirtualExecutor({ scheduler: testScheduler });
      const it = executor.stream(function* (n: number) {
        for (let i = 0; i < n; i++) yield `v${i}`;
        return 'not yielded';
      }, 2);
      testScheduler.flush();
      const values: string[] = [];
      for await (const v of it) values.push(v);
      expect(values).toEqual(['v0', 'v1']);
    });

    it('should throw the generator\'s exception from next()', async () => {
      const executor = new VirtualExecutor({ scheduler: testScheduler });
      const it = executor.stream(function* () {
        yield 1;
        throw new SyntaxError('gen boom');
      });
      testScheduler.flush();
      expect(await it.next()).toEqual({ value: 1, done: false });
      await expect(it.next()).rejects.toThrow('gen boom');
      expect(executor.log.at(-1)).toMatchObject({ time: 2, event: 'failed' });
    });

    it('should interrupt a running generator on return() and free the worker', () => {
      testScheduler.run(({ flush }) => {
        const executor = new VirtualExecutor({ scheduler: testScheduler, duration: () => 2 });
        let produced = 0;
        const it = executor.stream(function* () {
          for (;;) yield ++produced;
        });
        const after = executor.submit(() => 'next');
        testScheduler.schedule(() => void it.return!(), 5);
        flush();
        expect(produced).toBe(3);
        expect(after.resultNow()).toBe('next');
        expect(brief(executor.log).slice(2)).toEqual([
          [0, 'started', 1],
          [5, 'interrupted', 1],
          [5, 'started', 2],
          [7, 'finished', 2],
        ]);
      });
    });

    it('should cancel a queued stream on return()', () => {
      testScheduler.run(({ flush }) => {
        const executor = new VirtualExecutor({ scheduler: testScheduler });
        executor.submit(() => 'busy');
        const it = executor.stream(function* () {
          yield 1;
        });
        void it.return!();
        flush();
        expect(brief(executor.log).filter(([, , id]) => id === 2)).toEqual([
          [0, 'submitted', 2],
          [0, 'cancelled', 2],
        ]);
      });
    });

    it('should reject next() with CancelledError when shutdown cancels a queued stream', async () => {
      const executor = new VirtualExecutor({ scheduler: testScheduler });
      executor.submit(() => 'busy');
      const it = executor.stream(function* () {
        yield 1;
      });
      await executor.shutdown({ cancelFutures: true, wait: false });
      await expect(it.next()).rejects.toMatchObject({ name: 'CancelledError' });
    });

    it('should fail a task that is not a generator with a TypeError', async () => {
      const executor = new VirtualExecutor({ scheduler: testScheduler });
      const it = executor.stream((() => 42) as never);
      testScheduler.flush();
      await expect(it.next()).rejects.toThrow(/a stream task must be a generator function/);
    });

    it('should run an async generator on a real-time scheduler', async () => {
      const executor = new VirtualExecutor({ scheduler: asyncScheduler, duration: () => 1 });
      const it = executor.stream(async function* (n: number) {
        for (let i = 0; i < n; i++) {
          await new Promise((r) => setTimeout(r, 1));
          yield i;
        }
      }, 3);
      const values: number[] = [];
      for await (const v of it) values.push(v);
      expect(values).toEqual([0, 1, 2]);
      expect(executor.log.at(-1)?.event).toBe('finished');
    });

    it('should fail an async generator in virtual time with the Promise TypeError', async () => {
      const executor = new VirtualExecutor({ scheduler: testScheduler });
      const it = executor.stream(async function* () {
        yield 1;
      });
      testScheduler.flush();
      await expect(it.next()).rejects.toThrow(/virtual time \(TestScheduler\)/);
    });
  });

  it('should keep a Future usable by the rest of the library', () => {
    testScheduler.run(({ flush }) => {
      const executor = new VirtualExecutor({ scheduler: testScheduler });
      const f = executor.submit(() => 1);
      expect(f).toBeInstanceOf(Future);
      flush();
      expect(f.done()).toBe(true);
    });
  });
});
