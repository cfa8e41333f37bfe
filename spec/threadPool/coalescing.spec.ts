import path from 'node:path';
import { ThreadPoolExecutor, taskModule, type Future } from '../../lib';
import { Flags } from '../helpers/flags';

const tasks = taskModule<typeof import('../fixtures/tasks')>(path.join(__dirname, '../fixtures/tasks.ts'));

/**
 * The pool joins waiting calls of a task it has learnt is tiny into one
 * message per worker trip. These specs make that happen on purpose and check
 * that every call still has its own outcome, cancel and interrupt.
 */
describe('ThreadPoolExecutor coalescing', () => {
  let pool: ThreadPoolExecutor;
  afterEach(async () => {
    await pool?.shutdown({ cancelFutures: true });
  });

  /** Teaches the pool that `run` is tiny, then queues `count` calls behind a blocked worker. */
  async function queueBehindBlockedWorker<R>(warm: () => Future<unknown>, queue: (i: number) => Future<R>, count: number): Promise<Future<R>[]> {
    for (let i = 0; i < 40; i++) await warm();
    const gate = new Flags();
    const blocker = pool.submit(tasks.blockUntil, gate.array, 1, 0, 'gate');
    await gate.waitFor(0);
    const futures = Array.from({ length: count }, (_, i) => queue(i));
    expect(futures.every((f) => f.state === 'pending')).toBe(true);
    gate.release(1);
    await blocker;
    return futures;
  }

  it('should give each coalesced call its own result or exception', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const futures = await queueBehindBlockedWorker(
      () => pool.submit(tasks.maybeExit, -1, -2),
      (i) => pool.submit(tasks.maybeExit, i, -2),
      50,
    );
    await Promise.allSettled(futures.map((f) => f.result()));
    futures.forEach((f, i) => {
      if (i % 5 === 4) expect(f.exceptionNow()).toMatchObject({ name: 'RangeError', message: `call ${i} failed` });
      else expect(f.resultNow()).toBe(i * 2);
    });
  });

  it('should skip a coalesced call interrupted before the worker reaches it, and stop the worker for the one it runs', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const flags = new Flags(32);
    const futures = await queueBehindBlockedWorker(
      () => pool.submit(tasks.maybeSpin, flags.array, -1, -2),
      (i) => pool.submit(tasks.maybeSpin, flags.array, i, 2),
      6,
    );
    await flags.waitFor(0); // call 2 is spinning inside the batch
    expect(futures[3].state).toBe('running'); // sent with the batch
    expect(futures[3].cancel({ interrupt: true })).toBe(true); // not reached yet: skipped, worker kept
    expect(futures[2].cancel({ interrupt: true })).toBe(true); // running: the worker is stopped
    const others = [0, 1, 4, 5].map((i) => futures[i]);
    expect(await Promise.all(others)).toEqual([0, 2, 8, 10]);
    expect(futures[2].state).toBe('cancelled');
    expect(futures[3].state).toBe('cancelled');
    expect(Atomics.load(flags.array, 10 + 3)).toBe(0); // call 3 never ran
    expect(Atomics.load(flags.array, 10 + 4)).toBe(1); // the re-queued calls ran once
  });

  it('should fail only the call a worker died under, and run the rest of its batch elsewhere', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const futures = await queueBehindBlockedWorker(
      () => pool.submit(tasks.maybeExit, -1, -2),
      (i) => pool.submit(tasks.maybeExit, i, 2),
      8,
    );
    await Promise.allSettled(futures.map((f) => f.result()));
    expect(futures[2].exceptionNow()).toMatchObject({ name: 'WorkerExitError' });
    expect(futures[4].exceptionNow()).toMatchObject({ name: 'RangeError' });
    expect([0, 1, 3, 5, 6, 7].map((i) => futures[i].resultNow())).toEqual([0, 2, 6, 10, 12, 14]);
  });

  it('should let a queued call be cancelled until its batch is sent', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    for (let i = 0; i < 40; i++) await pool.submit(tasks.double, i);
    const gate = new Flags();
    const blocker = pool.submit(tasks.blockUntil, gate.array, 1, 0, 'gate');
    await gate.waitFor(0);
    const futures = Array.from({ length: 10 }, (_, i) => pool.submit(tasks.double, i));
    expect(futures[5].cancel()).toBe(true);
    gate.release(1);
    await blocker;
    const settled = await Promise.allSettled(futures.map((f) => f.result()));
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(9);
    expect(futures[5].cancelled()).toBe(true);
  });
});
