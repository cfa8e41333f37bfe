import path from 'node:path';
import { ThreadPoolExecutor, WorkerExitError, taskModule, type Future } from '../../lib';
import { Flags, waitNonZero } from '../helpers/flags';
import { within } from '../helpers/within';

const fixture = path.join(__dirname, '../fixtures/interruptTasks.ts');
const tasks = taskModule<typeof import('../fixtures/interruptTasks')>(fixture);
const blocking = taskModule<typeof import('../fixtures/tasks')>(path.join(__dirname, '../fixtures/tasks.ts'));
const kRuns = 16;
const kCalls = 64;
const kBlockAt = 20;
type Mode = 'spin' | 'poll' | 'async' | 'exit' | 'crash';

/** What countedShaped call i returns (fixtures/interruptTasks.ts). */
function shapedValue(i: number): unknown {
  return i % 2 === 0 ? { call: i, text: `value ${i}` } : i % 4 === 3 ? `\ud83d lone ${i}` : `value ${i}`;
}

/**
 * Results that do not fit in shared memory (strings, objects) survive a
 * forced stop or a worker's death: the worker posts the finished results of
 * a coalesced message early (ResultFlusher.ts) — when it has run a slice,
 * when one of its calls sees an interrupt, when the worker exits — so after
 * the stop the calls before the blocked one hold their values, the blocked
 * one is cancelled (or failed), and the calls after it ran once, elsewhere.
 */
describe('ResultFlusher', () => {
  let pool: ThreadPoolExecutor | undefined;
  afterEach(async () => {
    await pool?.shutdown({ cancelFutures: true });
    pool = undefined;
  });

  /** Teaches the pool the task's call time, then queues kCalls calls behind a blocked worker (one coalesced message, or several of `workMs` calls). */
  async function coalescedCalls(runs: Int32Array, mode: Mode, workMs: number): Promise<Future<unknown>[]> {
    const warmRuns = new Int32Array(new SharedArrayBuffer(4 * (kRuns + 1)));
    for (let i = 0; i < 40; i++) await pool!.submit(tasks.countedShaped, warmRuns, 0, -1, mode, workMs);
    const gate = new Flags();
    const blocker = pool!.submit(blocking.blockUntil, gate.array, 1, 0, 'gate');
    await gate.waitFor(0);
    const futures = Array.from({ length: kCalls }, (_, i) => pool!.submit(tasks.countedShaped, runs, i, kBlockAt, mode, workMs));
    gate.release(1);
    await blocker;
    return futures;
  }

  /** Every call but the blocked one ran exactly once and holds its own value. */
  function expectEveryOtherValue(futures: Future<unknown>[], runs: Int32Array): void {
    futures.forEach((f, i) => {
      if (i === kBlockAt) return;
      const error = f.exceptionNow();
      expect({ call: i, ran: Atomics.load(runs, kRuns + i), error: error === undefined ? undefined : String(error) }).toEqual({ call: i, ran: 1, error: undefined });
      expect({ call: i, value: f.resultNow() }).toEqual({ call: i, value: shapedValue(i) });
    });
  }

  async function interrupted(mode: Mode, workMs: number): Promise<void> {
    pool = new ThreadPoolExecutor({ maxWorkers: 1, interruptGraceMs: 50 });
    const runs = new Int32Array(new SharedArrayBuffer(4 * (kRuns + kCalls)));
    const futures = await coalescedCalls(runs, mode, workMs);
    await waitNonZero(runs, 0);
    expect(futures[kBlockAt].cancel({ interrupt: true })).toBe(true);
    await within(Promise.allSettled(futures.map((f) => f.result())), 20_000, 'every future to settle');
    expect(futures[kBlockAt].cancelled()).toBe(true);
    expect(Atomics.load(runs, kRuns + kBlockAt)).toBe(1);
    expectEveryOtherValue(futures, runs);
  }

  it('should deliver the string and object results of a coalesced message whose async call ignores its interrupt', async () => {
    await interrupted('async', 0);
  });

  it('should deliver them when the blocked call reads its signal but goes on', async () => {
    await interrupted('poll', 0);
  });

  it('should deliver them when the blocked call never looks and the calls before it ran past a flush slice', async () => {
    await interrupted('spin', 0.3);
  });

  it('should keep the short strings of calls finished just before a never-looking blocked call (shared memory); objects there fail with WorkerExitError and never run again', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1, interruptGraceMs: 50 });
    const runs = new Int32Array(new SharedArrayBuffer(4 * (kRuns + kCalls)));
    // Tiny calls: the message runs far less than a flush slice before call kBlockAt blocks.
    const futures = await coalescedCalls(runs, 'spin', 0);
    await waitNonZero(runs, 0);
    futures[kBlockAt].cancel({ interrupt: true });
    await within(Promise.allSettled(futures.map((f) => f.result())), 20_000, 'every future to settle');
    futures.forEach((f, i) => {
      if (i === kBlockAt) return;
      expect({ call: i, ran: Atomics.load(runs, kRuns + i) }).toEqual({ call: i, ran: 1 });
      // An object finished within the slice: delivered if a flush took it after all (a busy machine stretches the
      // slice), else lost with the worker — never re-run.
      const lost = i < kBlockAt && typeof shapedValue(i) !== 'string' && f.exceptionNow() instanceof WorkerExitError;
      if (!lost) expect({ call: i, value: f.resultNow() }).toEqual({ call: i, value: shapedValue(i) });
    });
  });

  it.each(['exit', 'crash'] as const)('should deliver them when a call of the message kills its worker (%s)', async (mode) => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const runs = new Int32Array(new SharedArrayBuffer(4 * (kRuns + kCalls)));
    const futures = await coalescedCalls(runs, mode, 0);
    await within(Promise.allSettled(futures.map((f) => f.result())), 20_000, 'every future to settle');
    expect(futures[kBlockAt].exceptionNow()).toBeInstanceOf(WorkerExitError);
    expect(Atomics.load(runs, kRuns + kBlockAt)).toBe(1);
    expectEveryOtherValue(futures, runs);
    expect(await pool.submit(tasks.whichThread)).toBeGreaterThan(0);
  });

  it('should let no flush of another message, or a task posting on its own, settle a future', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    // A task that posts look-alike flushes on its parentPort: ids that are not in flight, ranges out of bounds.
    const posted = await pool.submit(tasks.postForgedFlushes);
    expect(posted).toBe(3);
    const runs = new Int32Array(new SharedArrayBuffer(4 * (kRuns + kCalls)));
    const futures = await coalescedCalls(runs, 'async', 0);
    await waitNonZero(runs, 0);
    futures[kBlockAt].cancel({ interrupt: true });
    await within(Promise.allSettled(futures.map((f) => f.result())), 20_000, 'every future to settle');
    expectEveryOtherValue(futures, runs);
  });
});
