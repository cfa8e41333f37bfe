import path from 'node:path';
import { ThreadPoolExecutor, WorkerExitError, taskModule, type Future } from '../../lib';
import { Flags, waitNonZero } from '../helpers/flags';
import { within } from '../helpers/within';

const fixture = path.join(__dirname, '../fixtures/interruptTasks.ts');
const tasks = taskModule<typeof import('../fixtures/interruptTasks')>(fixture);
const blocking = taskModule<typeof import('../fixtures/tasks')>(path.join(__dirname, '../fixtures/tasks.ts'));
const kRuns = 16;

/**
 * Python's pools run a call at most once. A coalesced message carries many
 * calls; when its worker goes down under one of them, the others must not
 * run again: each ran exactly once (and delivered its value, or failed with
 * WorkerExitError because its result went down with the worker) or never
 * ran before and runs now, once.
 */
describe('ThreadPoolExecutor at most once', () => {
  let pool: ThreadPoolExecutor | undefined;
  afterEach(async () => {
    await pool?.shutdown({ cancelFutures: true });
    pool = undefined;
  });

  /** Teaches the pool that `counted` is tiny, then queues `count` calls of it behind a blocked worker. */
  async function coalescedCalls(runs: Int32Array, blockAt: number, mode: 'spin' | 'exit', count: number): Promise<Future<number>[]> {
    const warmRuns = new Int32Array(new SharedArrayBuffer(4 * (kRuns + 1)));
    for (let i = 0; i < 40; i++) await pool!.submit(tasks.counted, warmRuns, 0, -1, mode);
    const gate = new Flags();
    const blocker = pool!.submit(blocking.blockUntil, gate.array, 1, 0, 'gate');
    await gate.waitFor(0);
    const futures = Array.from({ length: count }, (_, i) => pool!.submit(tasks.counted, runs, i, blockAt, mode));
    gate.release(1);
    await blocker;
    return futures;
  }

  /** Every call but `target` ran once and delivered, or ran once and lost its result, or never ran before and ran once now. */
  function expectAtMostOnce(futures: Future<number>[], runs: Int32Array, target: number): void {
    futures.forEach((f, i) => {
      if (i === target) return;
      const ran = Atomics.load(runs, kRuns + i);
      expect({ call: i, ran: ran <= 1 }).toEqual({ call: i, ran: true });
      if (f.state === 'finished' && f.exceptionNow() === undefined) expect({ call: i, ran, value: f.resultNow() }).toEqual({ call: i, ran: 1, value: i * 2 });
      else expect({ call: i, error: f.exceptionNow() instanceof WorkerExitError }).toEqual({ call: i, error: true });
    });
  }

  it('should run no call of a coalesced message twice when one of its calls is interrupted and its worker terminated', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const runs = new Int32Array(new SharedArrayBuffer(4 * (kRuns + 64)));
    const futures = await coalescedCalls(runs, 20, 'spin', 64);
    await waitNonZero(runs, 0);
    expect(futures[20].cancel({ interrupt: true })).toBe(true);
    await within(Promise.allSettled(futures.map((f) => f.result())), 20_000, 'every future to settle');
    expect(futures[20].cancelled()).toBe(true);
    expectAtMostOnce(futures, runs, 20);
    // The calls after the interrupted one never started on the dead worker: they ran once elsewhere.
    for (let i = 21; i < 64; i++) expect(futures[i].resultNow()).toBe(i * 2);
  });

  it('should run no call of a coalesced message twice when its worker dies', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const runs = new Int32Array(new SharedArrayBuffer(4 * (kRuns + 64)));
    const futures = await coalescedCalls(runs, 20, 'exit', 64);
    await within(Promise.allSettled(futures.map((f) => f.result())), 20_000, 'every future to settle');
    expect(futures[20].exceptionNow()).toBeInstanceOf(WorkerExitError);
    expect(Atomics.load(runs, kRuns + 20)).toBe(1);
    expectAtMostOnce(futures, runs, 20);
    for (let i = 21; i < 64; i++) expect(futures[i].resultNow()).toBe(i * 2);
    expect(await pool.submit(tasks.whichThread)).toBeGreaterThan(0);
  });
});
