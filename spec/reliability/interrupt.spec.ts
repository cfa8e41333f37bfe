import path from 'node:path';
import { ThreadPoolExecutor, task, type Future } from '../../lib';
import { kSubmitBatch } from '../../lib/internal/symbols';
import { within } from './prng';

// Plain JavaScript: every interrupt costs a new worker, which then loads no TypeScript compiler.
const fixture = path.join(__dirname, '../fixtures/reliabilityAnnounce.js');
const tasks = {
  workAnnounce: task<[Int32Array, number, number], number>(fixture, 'workAnnounce'),
  double: task<[number], number>(fixture, 'double'),
};

/** A turn of the event loop (lets the pool deliver what arrived); not used to wait for a worker. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Races found by the soak (soak/soak.ts): an interrupt lands while the
 * worker is finishing the call it was meant for. Each spec repeats the race
 * until it shows (it shows within a few rounds today) or a bound of rounds
 * passes, so once the bug is fixed it passes every time.
 */
/** @test {Future#cancel} interrupt races on the thread pool */
describe('interrupt races', () => {
  let pool: ThreadPoolExecutor | undefined;
  afterEach(async () => {
    await pool?.shutdown({ cancelFutures: true });
    pool = undefined;
  });

  // BUG lib/threadPool/WorkerPool.ts:313 (#onFailure, batch branch; line 325 before the split in 4c1e300).
  // Interrupting the running call i of a batch (a chunksize chunk, or calls the pool coalesced — which
  // mixes calls of *different* callers, e.g. two mapOrdered$ subscriptions) aborts the worker. If call i ends and call i+1 starts before the worker
  // is actually terminated, #onFailure finds call i+1 in CallState.Started and, since `aborted` is true,
  // cancels it: an innocent future ends cancelled (its subscriber gets a CancelledError it never asked for).
  // The interrupted call is always already cancelled when the abort happens (Future.cancel moves the state
  // before it calls the interrupt handler), so on `aborted` every call that is not done is innocent.
  // Fix: in the batch branch, `if (aborted) { again.futures.push(f); again.request.batch!.push(batch[i]); return; }`
  // before the Started test (re-run it, as the calls not reached are), keeping the blame for crashes only.
  // The soak met it as `item N: unexpected error CancelledError` in a mapOrdered$ pipeline.
  it('should cancel only the interrupted call of a batch, even when the next call has started before the worker dies', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const executor = pool as unknown as { [kSubmitBatch]: (task: unknown, argsList: unknown[][]) => Future<number>[] };
    const innocent: string[] = [];
    for (let round = 0; round < 40 && innocent.length === 0; round++) {
      const flags = new Int32Array(new SharedArrayBuffer(4));
      const calls = executor[kSubmitBatch](tasks.workAnnounce, Array.from({ length: 200 }, (_, i) => [flags, i, 10_000]));
      // Wait (Atomics, no sleep) until the worker is inside the batch, then interrupt the call it is running.
      await within(Atomics.waitAsync(flags, 0, 0, 10_000).value as Promise<string>, 10_000, 'the batch to start');
      const target = calls[Atomics.load(flags, 0) - 1];
      expect(target.cancel({ interrupt: true })).toBe(true);
      await within(Promise.allSettled(calls.map((f) => f.result())), 20_000, 'the rest of the batch');
      calls.forEach((f, i) => {
        if (f !== target && f.cancelled()) innocent.push(`round ${round}: call ${i} (target ${calls.indexOf(target)})`);
      });
      // The others all finished, with their own values.
      for (const f of calls) if (f !== target && f.state === 'finished') expect(f.resultNow()).toBe(calls.indexOf(f) * 2);
    }
    expect(innocent).toEqual([]);
  });

  // BUG lib/threadPool/WorkerPool.ts:93-101 (the Piscina 'error' listener). When a call is interrupted just
  // as it returns, its worker has already posted the answer; Piscina forgot the task when it was aborted,
  // so it emits 'error' "Unexpected message from Worker: { taskId, result … }", which the listener reports
  // as RxFuturesWorkerWarning "an idle worker thread failed" — nothing failed; the future is rightly cancelled.
  // Fix: in that listener, drop (or debug-log) errors whose message starts with 'Unexpected message from
  // Worker' — a late answer of a task we aborted — instead of warning. The soak saw ~17 of these per million.
  it('should not warn "an idle worker thread failed" for the late answer of an interrupted call', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const warnings: string[] = [];
    const spy = jest.spyOn(process, 'emitWarning').mockImplementation((w: string | Error) => {
      warnings.push(String(w));
    });
    try {
      let interrupted = 0;
      expect(await pool.submit(tasks.double, -1)).toBe(-2); // a worker is up
      for (let round = 0; round < 100 && warnings.length === 0; round++) {
        const flags = new Int32Array(new SharedArrayBuffer(4));
        // The worker is up and idle (the previous round ended with a call on it), so the message goes
        // straight to it; block this thread (Atomics, no sleep) until the call has run, so that its answer
        // is on its way but not yet delivered when we interrupt.
        const f = pool.submit(tasks.workAnnounce, flags, 0, 0);
        expect(Atomics.wait(flags, 0, 0, 10_000)).not.toBe('timed-out');
        if (f.cancel({ interrupt: true })) interrupted += 1;
        // The next call runs on the replacement worker; by then the late answer, if any, has arrived.
        expect(await within(pool.submit(tasks.double, round).result(), 10_000, 'a call after the interrupt')).toBe(round * 2);
        await turn();
      }
      expect(interrupted).toBeGreaterThan(0);
      expect(warnings).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });
});
