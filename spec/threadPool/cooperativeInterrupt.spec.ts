import path from 'node:path';
import { CancelledError, ThreadPoolExecutor, taskModule, type Future } from '../../lib';
import { kSubmitBatch } from '../../lib/internal/symbols';
import { Flags } from '../helpers/flags';
import { within } from '../helpers/within';

const tasks = taskModule<typeof import('../fixtures/interruptTasks')>(path.join(__dirname, '../fixtures/interruptTasks.ts'));

/**
 * @test {Future#cancel} interrupt on the thread pool is cooperative first:
 * the call's signal aborts (and `throwIfInterrupted()` throws); a call that
 * ends within `interruptGraceMs` keeps its worker, one that does not is
 * terminated and replaced.
 */
describe('ThreadPoolExecutor cooperative interrupt', () => {
  let pool: ThreadPoolExecutor | undefined;
  afterEach(async () => {
    await pool?.shutdown({ cancelFutures: true });
    pool = undefined;
  });

  it('should keep the worker of a task that honours its signal: the next call runs on the same thread', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1, interruptGraceMs: 60_000 });
    const before = await pool.submit(tasks.whichThread);
    const flags = new Flags();
    const f = pool.submit(tasks.waitForAbort, flags.array, 0, 1);
    await flags.waitFor(0);
    expect(f.cancel({ interrupt: true })).toBe(true);
    expect(f.state).toBe('cancelled');
    await expect(f.result()).rejects.toBeInstanceOf(CancelledError);
    // Its finally block ran (the worker was not terminated under it) …
    await flags.waitFor(1);
    // … and the same thread serves the next call, long before the grace period would have ended.
    expect(await within(pool.submit(tasks.whichThread).result(), 30_000, 'the next call')).toBe(before);
  });

  it('should stop a synchronous loop polling throwIfInterrupted() without waiting for the grace period, and keep its worker', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1, interruptGraceMs: 60_000 });
    const before = await pool.submit(tasks.whichThread);
    const flags = new Flags();
    const f = pool.submit(tasks.pollUntilInterrupted, flags.array, 0);
    await flags.waitFor(0);
    const t0 = performance.now();
    f.cancel({ interrupt: true });
    // The worker's finally marks flags[1]: block this thread on it (no event loop needed on either side).
    expect(Atomics.wait(flags.array, 1, 0, 30_000)).not.toBe('timed-out');
    const stoppedMs = performance.now() - t0;
    // A few ms on an idle machine; a generous bound under load, still far below the 60 s grace.
    expect(stoppedMs).toBeLessThan(1_000);
    expect(await pool.submit(tasks.whichThread)).toBe(before);
  });

  it('should terminate and replace the worker of a task that ignores its signal, after the grace period', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1, interruptGraceMs: 200 });
    const before = await pool.submit(tasks.whichThread);
    const flags = new Flags();
    const f = pool.submit(tasks.ignoreInterrupt, flags.array, 0);
    await flags.waitFor(0);
    const t0 = performance.now();
    expect(f.cancel({ interrupt: true })).toBe(true);
    expect(f.state).toBe('cancelled'); // at once, grace or not
    const after = await within(pool.submit(tasks.whichThread).result(), 30_000, 'the next call');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
    expect(after).not.toBe(before);
  });

  it('should terminate an async task that ignores its signal after the grace period', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1, interruptGraceMs: 100 });
    const before = await pool.submit(tasks.whichThread);
    const flags = new Flags();
    const f = pool.submit(tasks.hangAsync, flags.array, 0);
    await flags.waitFor(0);
    f.cancel({ interrupt: true });
    expect(await within(pool.submit(tasks.whichThread).result(), 30_000, 'the next call')).not.toBe(before);
  });

  it('should interrupt only the one call of a coalesced message: its siblings run on and deliver', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1, interruptGraceMs: 60_000 });
    const before = await pool.submit(tasks.whichThread);
    const executor = pool as unknown as { [kSubmitBatch]: (task: unknown, argsList: unknown[][]) => Future<number>[] };
    const runs = new Int32Array(new SharedArrayBuffer(4 * (16 + 8)));
    const calls = executor[kSubmitBatch](tasks.countedPolling, Array.from({ length: 8 }, (_, i) => [runs, i, 3]));
    const wait = Atomics.waitAsync(runs, 0, 0, 10_000);
    if (wait.async) expect(await wait.value).not.toBe('timed-out');
    expect(calls[3].cancel({ interrupt: true })).toBe(true);
    const others = calls.filter((_, i) => i !== 3);
    expect(await within(Promise.all(others.map((f) => f.result())), 30_000, 'the siblings')).toEqual([0, 2, 4, 8, 10, 12, 14]);
    expect(calls[3].cancelled()).toBe(true);
    for (let i = 0; i < 8; i++) expect(Atomics.load(runs, 16 + i)).toBe(1);
    expect(await pool.submit(tasks.whichThread)).toBe(before);
  });

  it('should end a stream whose generator checks its signal, and keep the worker', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1, interruptGraceMs: 60_000 });
    const before = await pool.submit(tasks.whichThread);
    const flags = new Flags();
    const iterator = pool.stream(tasks.generateUntilAborted, flags.array, 0);
    expect(await iterator.next()).toEqual({ value: 'first', done: false });
    await flags.waitFor(0);
    await iterator.return!();
    await flags.waitFor(1); // the generator's finally ran
    expect(await within(pool.submit(tasks.whichThread).result(), 30_000, 'the next call')).toBe(before);
  });

  it('should reject an interruptGraceMs that is not a number of milliseconds >= 0, naming the option', () => {
    for (const bad of [-1, Number.NaN, '100']) {
      expect(() => new ThreadPoolExecutor({ interruptGraceMs: bad as number })).toThrow(RangeError);
      expect(() => new ThreadPoolExecutor({ interruptGraceMs: bad as number })).toThrow(/options\.interruptGraceMs must be a number of milliseconds >= 0/);
    }
  });
});
