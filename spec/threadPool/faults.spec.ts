import path from 'node:path';
import {
  BrokenExecutor,
  BrokenThreadPool,
  CancelledError,
  Future,
  ShutdownError,
  ThreadPoolExecutor,
  WorkerExitError,
  taskModule,
  type ThreadPoolExecutorOptions,
} from '../../lib';
import { Flags } from '../helpers/flags';
import { captureWarnings } from '../helpers/warnings';
import { within } from '../helpers/within';

const fixture = path.join(__dirname, '../fixtures/faultTasks.ts');
const faults = taskModule<typeof import('../fixtures/faultTasks')>(fixture);

// Flag slots: what the fatal task announces, what a bystander waits on and announces.
const kFatalStarted = 0;
const kBystanderGo = 1;
const kBystanderStarted = 2;

/** The exception of a future that must fail (its result must not arrive). */
async function failureOf(future: Future<unknown>): Promise<any> {
  return future.result().then(
    (value) => {
      throw new Error(`expected the task to fail, it returned ${String(value)}`);
    },
    (error: unknown) => error,
  );
}

/** The pool serves again: the next 100 tasks all succeed, with the right values. */
async function expectHundredMoreSucceed(pool: ThreadPoolExecutor): Promise<void> {
  const futures = Array.from({ length: 100 }, (_, i) => pool.submit(faults.double, i));
  expect(await Promise.all(futures)).toEqual(Array.from({ length: 100 }, (_, i) => i * 2));
  expect(futures.every((f) => f.state === 'finished')).toBe(true);
}

/** @test {ThreadPoolExecutor} under faults: nothing hangs, nothing is lost */
describe('ThreadPoolExecutor faults', () => {
  let pool: ThreadPoolExecutor | undefined;
  afterEach(async () => {
    await pool?.shutdown({ cancelFutures: true });
    pool = undefined;
  });

  describe('a worker that dies under a task', () => {
    const deaths: Array<[string, ThreadPoolExecutorOptions, (flags: Flags) => Future<unknown>, RegExp]> = [
      ['process.exit(7)', {}, (flags) => pool!.submit(faults.exitWorker, flags.array, kFatalStarted, 7), /worker exited with code: 7/],
      ['process.exit(0)', {}, (flags) => pool!.submit(faults.exitWorker, flags.array, kFatalStarted, 0), /worker exited with code: 0/],
      ['an uncaught error thrown in a timer', {}, (flags) => pool!.submit(faults.throwInTimer, flags.array, kFatalStarted), /uncaught in a timer/],
      [
        'heap exhaustion under resourceLimits',
        { resourceLimits: { maxOldGenerationSizeMb: 32 } },
        (flags) => pool!.submit(faults.exhaustHeap, flags.array, kFatalStarted),
        /memory limit/,
      ],
    ];

    it.each(deaths)('should fail only that future with WorkerExitError when killed by %s, and heal', async (_label, options, submitFatal, message) => {
      pool = new ThreadPoolExecutor({ maxWorkers: 2, ...options });
      const flags = new Flags();
      // One worker is busy with a bystander, the other gets the fatal task; three more wait in the queue.
      const bystander = pool.submit(faults.blockUntil, flags.array, kBystanderGo, kBystanderStarted, 'bystander');
      await flags.waitFor(kBystanderStarted);
      const fatal = submitFatal(flags);
      const queued = [1, 2, 3].map((x) => pool!.submit(faults.double, x));

      const error = await failureOf(fatal);
      expect(error).toBeInstanceOf(WorkerExitError);
      expect(error).toBeInstanceOf(BrokenExecutor);
      expect(error.name).toBe('WorkerExitError');
      expect(error.message).toMatch(/^the worker running this task exited: /);
      expect(error.message).toMatch(message);
      expect(error.cause).toBeDefined();
      expect(Atomics.load(flags.array, kFatalStarted)).toBe(1);

      // The queued tasks ran on the replacement; the bystander was never disturbed.
      expect(await Promise.all(queued)).toEqual([2, 4, 6]);
      expect(bystander.state).toBe('running');
      flags.release(kBystanderGo);
      expect(await bystander).toBe('bystander');

      await expectHundredMoreSucceed(pool);
      expect(pool.stats.workers).toBeLessThanOrEqual(2);
      expect(pool.stats.running).toBe(0);
    });

    it('should stop an infinite loop with cancel({ interrupt: true }): cancelled, not failed, and heal', async () => {
      pool = new ThreadPoolExecutor({ maxWorkers: 2 });
      const flags = new Flags();
      const bystander = pool.submit(faults.blockUntil, flags.array, kBystanderGo, kBystanderStarted, 'bystander');
      const spinning = pool.submit(faults.spinForever, flags.array, kFatalStarted);
      const queued = [1, 2, 3].map((x) => pool!.submit(faults.double, x));
      await Promise.all([flags.waitFor(kBystanderStarted), flags.waitFor(kFatalStarted)]);

      expect(spinning.cancel()).toBe(false); // Python's cancel: a running task is not stopped
      expect(spinning.cancel({ interrupt: true })).toBe(true);
      expect(spinning.state).toBe('cancelled');
      const error = await spinning.exception().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CancelledError);

      expect(await Promise.all(queued)).toEqual([2, 4, 6]);
      flags.release(kBystanderGo);
      expect(await bystander).toBe('bystander');
      await expectHundredMoreSucceed(pool);
    });

    it('should end every future of a crowd in which several workers die, and keep serving', async () => {
      pool = new ThreadPoolExecutor({ maxWorkers: 2 });
      const flags = new Flags();
      const futures: Future<unknown>[] = [];
      for (let i = 0; i < 60; i++) {
        futures.push(i % 20 === 7 ? pool.submit(faults.exitWorker, flags.array, kFatalStarted, 3) : pool.submit(faults.double, i));
      }
      const outcomes = await Promise.all(futures.map((f) => f.result().then(() => 'ok', (e: Error) => e.name)));
      expect(outcomes.filter((o) => o === 'WorkerExitError')).toHaveLength(3);
      expect(outcomes.filter((o) => o === 'ok')).toHaveLength(57);
      expect(futures.every((f) => f.done())).toBe(true);
      await expectHundredMoreSucceed(pool);
    });

    // An idle worker's event loop must run (Piscina `atomics: 'async'`): with Piscina's default
    // 'sync', what a finished task left behind ran only under the next task, which got the blame.
    it('should not blame the next task for a crash left behind by a finished task', async () => {
      pool = new ThreadPoolExecutor({ maxWorkers: 1 });
      const flags = new Flags();
      const { warnings, first: warning, restore } = captureWarnings();
      try {
        expect(await pool.submit(faults.crashWhenReleased, flags.array, kBystanderGo)).toBe('finished');
        flags.release(kBystanderGo); // the finished task's leftover now throws, outside any task
        await within(warning, 3000, 'the idle worker failure warning');
        expect(warnings.join('\n')).toMatch(/an idle worker thread failed: left behind by a finished task/);
        expect(await pool.submit(faults.asyncDouble, 21)).toBe(42);
      } finally {
        restore();
      }
    });
  });

  describe('a failing initializer', () => {
    it('should fail pending futures with BrokenThreadPool, throw it from later submits, and still shut down', async () => {
      pool = new ThreadPoolExecutor({ maxWorkers: 2, initializer: faults.failingInit, initargs: ['no database'] });
      const pending = Array.from({ length: 6 }, (_, i) => pool!.submit(faults.double, i));
      const errors = await Promise.all(pending.map((f) => failureOf(f)));
      for (const error of errors) {
        expect(error).toBeInstanceOf(BrokenThreadPool);
        expect(error).toBeInstanceOf(BrokenExecutor);
        expect(error.name).toBe('BrokenThreadPool');
        expect(error.message).toMatch(/a thread initializer failed, the thread pool is not usable anymore: initializer failed: no database/);
        expect(error.cause).toMatchObject({ name: 'Error', message: 'initializer failed: no database', code: 'E_INIT' });
        expect(error.cause.stack).toContain(fixture);
      }
      // One pool-wide error: every future carries the same instance.
      expect(new Set(errors).size).toBe(1);

      expect(() => pool!.submit(faults.double, 1)).toThrow(BrokenThreadPool);
      expect(() => pool!.map(faults.double, [1, 2])).toThrow(BrokenThreadPool);
      expect(() => pool!.submit((x: number) => x, 1)).toThrow(/a thread initializer failed/);
      await within(pool.shutdown(), 10_000, 'shutdown of a broken pool');
      expect(pool.stats.workers).toBe(0);
      expect(() => pool!.submit(faults.double, 1)).toThrow(ShutdownError);
    });

    it('should break the pool for an inline initializer that throws a TypeError, keeping its class', async () => {
      pool = new ThreadPoolExecutor({
        maxWorkers: 1,
        initializer: (url: string) => {
          throw new TypeError(`bad connection string ${url}`);
        },
        initargs: ['db://'],
      });
      const error = await failureOf(pool.submit(faults.double, 1));
      expect(error.name).toBe('BrokenThreadPool');
      expect(error.cause.name).toBe('TypeError');
      expect(error.cause.message).toBe('bad connection string db://');
      await within(pool.shutdown({ cancelFutures: true }), 10_000, 'shutdown of a broken pool');
    });
  });

  describe('shutdown with 1,000 tasks queued and 2 running', () => {
    it.each([
      { wait: true, cancelFutures: false },
      { wait: true, cancelFutures: true },
      { wait: false, cancelFutures: false },
      { wait: false, cancelFutures: true },
    ])('should end every future in a terminal state with %p', async ({ wait, cancelFutures }) => {
      pool = new ThreadPoolExecutor({ maxWorkers: 2 });
      const flags = new Flags();
      const running = [
        pool.submit(faults.blockUntil, flags.array, kBystanderGo, 3, 'first'),
        pool.submit(faults.blockUntil, flags.array, kBystanderGo, 4, 'second'),
      ];
      await Promise.all([flags.waitFor(3), flags.waitFor(4)]);
      const queued = Array.from({ length: 1000 }, (_, i) => pool!.submit(faults.double, i));
      expect(pool.stats).toMatchObject({ queued: 1000, running: 2 });

      let closed = false;
      const closing = pool.shutdown({ wait, cancelFutures }).then(() => {
        closed = true;
      });
      expect(() => pool!.submit(faults.double, 1)).toThrow(ShutdownError);
      expect(running.map((f) => f.state)).toEqual(['running', 'running']);
      expect(queued.every((f) => f.state === (cancelFutures ? 'cancelled' : 'pending'))).toBe(true);

      await new Promise((resolve) => setImmediate(resolve));
      // wait: true cannot resolve while two tasks are blocked; wait: false resolves at once.
      expect(closed).toBe(!wait);

      flags.release(kBystanderGo);
      if (wait) {
        await within(closing, 20_000, 'shutdown({ wait: true })');
        // Resolved: nothing is left running or pending, and the threads are gone.
        expect([...running, ...queued].some((f) => f.state === 'running' || f.state === 'pending')).toBe(false);
        expect(pool.stats.workers).toBe(0);
      } else {
        await within(Promise.allSettled([...running, ...queued].map((f) => f.result())), 20_000, 'the tasks after shutdown({ wait: false })');
      }
      expect(await Promise.all(running)).toEqual(['first', 'second']);
      expect([...running, ...queued].every((f) => f.done())).toBe(true);
      if (cancelFutures) {
        expect(queued.every((f) => f.cancelled())).toBe(true);
      } else {
        expect(queued.map((f) => f.resultNow())).toEqual(Array.from({ length: 1000 }, (_, i) => i * 2));
      }
      await within(pool.shutdown(), 10_000, 'a second shutdown');
      expect(pool.stats).toMatchObject({ queued: 0, running: 0, workers: 0 });
    });
  });
});
