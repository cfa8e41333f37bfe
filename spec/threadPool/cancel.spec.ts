import path from 'node:path';
import { CancelledError, ThreadPoolExecutor, taskModule } from '../../lib';
import { Flags } from '../helpers/flags';

const tasks = taskModule<typeof import('../fixtures/tasks')>(path.join(__dirname, '../fixtures/tasks.ts'));

/** @test {Future#cancel} on the thread pool */
describe('ThreadPoolExecutor cancel', () => {
  let pool: ThreadPoolExecutor;
  afterEach(async () => {
    await pool?.shutdown({ cancelFutures: true });
  });

  it('should cancel a queued task, which then never runs', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const flags = new Flags();
    const running = pool.submit(tasks.blockUntil, flags.array, 1, 0, 'first');
    const queued = pool.submit(tasks.blockUntil, flags.array, 3, 2, 'second');
    await flags.waitFor(0);
    expect(queued.cancel()).toBe(true);
    expect(queued.state).toBe('cancelled');
    await expect(queued.result()).rejects.toBeInstanceOf(CancelledError);
    flags.release(1);
    expect(await running).toBe('first');
    expect(await pool.submit(tasks.double, 1)).toBe(2);
    expect(Atomics.load(flags.array, 2)).toBe(0); // the cancelled task never started
  });

  it('should not cancel a running task without interrupt', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const flags = new Flags();
    const running = pool.submit(tasks.blockUntil, flags.array, 1, 0, 'kept');
    await flags.waitFor(0);
    expect(running.cancel()).toBe(false);
    expect(running.state).toBe('running');
    flags.release(1);
    expect(await running).toBe('kept');
    expect(running.cancel()).toBe(false); // finished
  });

  it('should stop a running task with interrupt: true, and run the next task promptly on a fresh worker', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const flags = new Flags();
    const spinning = pool.submit(tasks.spinForever, flags.array, 0);
    const next = pool.submit(tasks.whichThread);
    await flags.waitFor(0);
    const spinnerThread = pool.stats.workers;
    expect(spinnerThread).toBe(1);
    const t0 = Date.now();
    expect(spinning.cancel({ interrupt: true })).toBe(true);
    expect(spinning.state).toBe('cancelled');
    await expect(spinning.result()).rejects.toBeInstanceOf(CancelledError);
    const thread = await next;
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(thread).toBeGreaterThan(0);
    expect(await pool.submit(tasks.double, 21)).toBe(42);
  });

  it('should fire done callbacks once for an interrupted task', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const flags = new Flags();
    const spinning = pool.submit(tasks.spinForever, flags.array, 0);
    const states: string[] = [];
    spinning.addDoneCallback((f) => states.push(f.state));
    await flags.waitFor(0);
    spinning.cancel({ interrupt: true });
    spinning.cancel({ interrupt: true });
    await pool.submit(tasks.double, 1);
    expect(states).toEqual(['cancelled']);
  });

  it('should leave finished futures alone even with interrupt', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const f = pool.submit(tasks.double, 2);
    await f;
    expect(f.cancel({ interrupt: true })).toBe(false);
    expect(f.resultNow()).toBe(4);
  });

  it('should end every future of a storm of submits and cancels in one terminal state', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const futures = Array.from({ length: 300 }, (_, i) => pool.submit(tasks.spin, i % 3));
    const callbacks = new Map<unknown, number>();
    for (const f of futures) f.addDoneCallback((done) => callbacks.set(done, (callbacks.get(done) ?? 0) + 1));
    futures.forEach((f, i) => {
      if (i % 3 === 0) f.cancel();
      if (i % 7 === 0) f.cancel({ interrupt: true });
    });
    await pool.shutdown({ wait: true });
    expect(futures.every((f) => f.done())).toBe(true);
    expect([...callbacks.values()].every((n) => n === 1)).toBe(true);
    expect(callbacks.size).toBe(futures.length);
    const finished = futures.filter((f) => f.state === 'finished').length;
    const cancelled = futures.filter((f) => f.state === 'cancelled').length;
    expect(finished + cancelled).toBe(300);
    expect(pool.stats.completed).toBe(finished);
  });
});
