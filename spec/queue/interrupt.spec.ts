/**
 * Interrupt on the queue is cooperative first (issue #16), as on the thread
 * pool: `cancel({ interrupt: true })` — and every unsubscribe from an
 * operator — publishes the job id; the worker aborts the call's AbortSignal
 * (`currentAbortSignal()`, `throwIfInterrupted()` inside the task); a task
 * that ends within the worker's `interruptGraceMs` keeps its thread, one
 * that does not has it terminated and replaced.
 *
 * Tasks sync with the spec through Redis lists (`<key>:started`,
 * `<key>:cleaned`), never through sleeps. A grace of 60 s makes "kept its
 * thread" unambiguous: a terminated thread would leave the next job waiting
 * that long.
 */
import { Subscription } from 'rxjs';
import { CancelledError, submit$ } from '../../lib';
import { describeWithRedis } from '../helpers/redis';
import { within } from '../helpers/within';
import { tasks, useQueueHarness } from './harness';

const kLongGrace = 60_000;

describeWithRedis('QueueExecutor cooperative interrupt', () => {
  const h = useQueueHarness();

  /** What the task's `finally` / `catch` pushed once it ended. */
  async function cleaned(key: string): Promise<string> {
    const reply = await h.client.blpop(`${key}:cleaned`, 20);
    if (reply === null) throw new Error(`${key} did not clean up within 20 s`);
    return reply[1];
  }

  // Each of these ends its task cooperatively and checks the thread was kept (the same thread runs the
  // next job, long before the 60 s grace): one worker serves them all.
  describe('on one worker', () => {
    h.shareWorker({ threads: 1, concurrency: 1, interruptGraceMs: kLongGrace });

    it('should abort the signal of an async task, run its finally, and keep its thread for the next job', async () => {
      const ex = h.executor();
      const before = await ex.submit(tasks.whereAmI);
      const f = ex.submit(tasks.untilAborted, h.redis.url, 'async');
      await h.started('async');
      await waitFor(() => f.running());
      expect(f.cancel({ interrupt: true })).toBe(true);
      expect(f.state).toBe('cancelled');
      await expect(f.result()).rejects.toBeInstanceOf(CancelledError);
      // The task saw its signal abort, and its finally ran (the thread was not terminated under it) …
      expect(await cleaned('async')).toBe('aborted=true reason=CancelledError');
      // … and the same thread of the same process runs the next job, long before the grace would end.
      expect(await within(ex.submit(tasks.whereAmI).result(), 30_000, 'the next job')).toBe(before);
    });

    it('should stop a synchronous loop polling throwIfInterrupted() and keep its thread', async () => {
      const ex = h.executor();
      const before = await ex.submit(tasks.whereAmI);
      const f = ex.submit(tasks.pollUntilInterrupted, h.redis.url, 'poll');
      await h.started('poll');
      await waitFor(() => f.running());
      f.cancel({ interrupt: true });
      expect(await cleaned('poll')).toBe('threw CancelledError');
      expect(await within(ex.submit(tasks.whereAmI).result(), 30_000, 'the next job')).toBe(before);
    });

    it('should interrupt cooperatively when an operator on the queue is unsubscribed', async () => {
      const ex = h.executor();
      const before = await ex.submit(tasks.whereAmI);
      const subscription: Subscription = submit$(ex, tasks.untilAborted, h.redis.url, 'rx').subscribe({ error: () => undefined });
      await h.started('rx');
      subscription.unsubscribe();
      expect(await cleaned('rx')).toBe('aborted=true reason=CancelledError');
      expect(await within(ex.submit(tasks.whereAmI).result(), 30_000, 'the next job')).toBe(before);
    });

    it('should end a streaming job whose generator waits on its signal when the consumer stops, and keep its thread', async () => {
      const ex = h.executor();
      const before = await ex.submit(tasks.whereAmI);
      const iterator = ex.stream(tasks.yieldUntilAborted, h.redis.url, 'stream');
      expect(await iterator.next()).toEqual({ value: 'first', done: false });
      await h.started('stream');
      await iterator.return!();
      expect(await cleaned('stream')).toBe('aborted=true');
      expect(await within(ex.submit(tasks.whereAmI).result(), 30_000, 'the next job')).toBe(before);
    });
  });

  it('should terminate and replace the thread of a task that ignores its signal, after the grace period', async () => {
    const graceMs = 300;
    await h.worker({ threads: 1, concurrency: 1, interruptGraceMs: graceMs });
    const ex = h.executor();
    const before = await ex.submit(tasks.whereAmI);
    const f = ex.submit(tasks.blockForever, h.redis.url, 'ignored');
    await h.started('ignored');
    await waitFor(() => f.running());
    const t0 = performance.now();
    expect(f.cancel({ interrupt: true })).toBe(true);
    expect(f.state).toBe('cancelled');
    // One thread: the next job runs only once the blocked one was terminated and replaced.
    const after = await within(ex.submit(tasks.whereAmI).result(), 30_000, 'the next job');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(graceMs - 10);
    const [pid, thread] = after.split(':');
    expect(pid).toBe(before.split(':')[0]);
    expect(thread).not.toBe(before.split(':')[1]);
  });

  it('should interrupt only the interrupted job of a coalesced message: a sibling job runs on, on the same thread', async () => {
    await h.worker({ threads: 1, concurrency: 3, interruptGraceMs: kLongGrace });
    const ex = h.executor();
    // Quick calls first: the pool learns the task is tiny, so calls waiting for the thread travel together.
    let before = '';
    for (let i = 0; i < 5; i++) before = (await ex.submit(tasks.untilAborted)) as string;
    const holder = ex.submit(tasks.waitForRelease, h.redis.url, 'hold');
    await h.started('hold');
    // Both jobs taken by the worker (active), waiting in its pool behind the holder.
    const interrupted = ex.submit(tasks.untilAborted, h.redis.url, 'coalesced');
    const sibling = ex.submit(tasks.untilAborted);
    await waitFor(() => interrupted.running() && sibling.running());
    await h.release('hold');
    expect(await holder).toBe('released');
    await h.started('coalesced');
    expect(interrupted.cancel({ interrupt: true })).toBe(true);
    expect(await cleaned('coalesced')).toBe('aborted=true reason=CancelledError');
    expect(await within(sibling.result(), 30_000, 'the sibling')).toBe(before);
    expect(await ex.submit(tasks.whereAmI)).toBe(before);
  });

  it('should refuse an interruptGraceMs that is not a number of milliseconds >= 0, naming the option', async () => {
    for (const bad of [-1, Number.NaN, '100']) {
      await expect(h.worker({ interruptGraceMs: bad as number })).rejects.toThrow(/startQueueWorker: options\.interruptGraceMs must be a number of milliseconds >= 0/);
    }
  });
});

/** Polls a condition the test cannot await otherwise (a future's state set by a Redis event). */
async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within 10 s: ${condition}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
