import { firstValueFrom, from, lastValueFrom, toArray } from 'rxjs';
import { asCompleted$, mapOrdered$, mapUnordered$, stream$, submit$, waitFirst$, type Future } from '../../lib';
import { describeWithRedis } from '../helpers/redis';
import { settle } from '../helpers/settle';
import { tasks, useQueueHarness } from './harness';

/** The Rx operators, unchanged, on a QueueExecutor. */
describeWithRedis('operators on QueueExecutor', () => {
  const h = useQueueHarness();

  // These finish their jobs and keep the worker's threads: one two-thread worker serves them all (two
  // threads: asCompleted$'s fast task must not queue behind its slow one).
  describe('on one worker', () => {
    h.shareWorker({ threads: 2, concurrency: 8 });

    it('should emit the result of submit$ and complete', async () => {
      const ex = h.executor();
      expect(await lastValueFrom(submit$(ex, tasks.add, 2, 3))).toBe(5);
    });

    it('should emit mapOrdered$ results in source order, with the error at its position', async () => {
      const ex = h.executor();
      const out = await lastValueFrom(from(range(200)).pipe(mapOrdered$(ex, tasks.double), toArray()));
      expect(out).toEqual(range(200).map((x) => x * 2));
      const { values: seen, error, completed } = await settle(from(range(10)).pipe(mapOrdered$(ex, tasks.doubleUnless7)));
      expect(completed).toBe(false);
      expect(error).toMatchObject({ name: 'RangeError', message: 'bad item 7' });
      expect(seen).toEqual([0, 2, 4, 6, 8, 10, 12]);
    });

    it('should batch mapOrdered$ with chunksize and keep the order', async () => {
      const ex = h.executor();
      const out = await lastValueFrom(from(range(1000)).pipe(mapOrdered$(ex, tasks.double, { chunksize: 50 }), toArray()));
      expect(out).toEqual(range(1000).map((x) => x * 2));
    });

    it('should emit every mapUnordered$ result once', async () => {
      const ex = h.executor();
      const out = await lastValueFrom(from(range(100)).pipe(mapUnordered$(ex, tasks.double), toArray()));
      expect(out.sort((a, b) => a - b)).toEqual(range(100).map((x) => x * 2));
    });

    it('should emit futures as they complete with asCompleted$, and the first with waitFirst$', async () => {
      const ex = h.executor();
      const slow: Future<unknown> = ex.submit(tasks.waitForRelease, h.redis.url, 'rx-slow');
      const fast: Future<unknown> = ex.submit(tasks.double, 1);
      const { done } = await firstValueFrom(waitFirst$([slow, fast]));
      expect([...done]).toEqual([fast]);
      const order = lastValueFrom(asCompleted$([slow, fast]).pipe(toArray()));
      await h.started('rx-slow');
      await h.release('rx-slow');
      expect(await order).toEqual([fast, slow]);
    });
  });

  it('should interrupt the job of submit$ on its worker when unsubscribed', async () => {
    await h.worker({ threads: 1, concurrency: 1 });
    const ex = h.executor();
    const subscription = submit$(ex, tasks.blockForever, h.redis.url, 'rx-submit').subscribe();
    await h.started('rx-submit');
    subscription.unsubscribe();
    // One thread: this job runs only once the blocked one was stopped.
    expect(await lastValueFrom(submit$(ex, tasks.double, 4))).toBe(8);
  });

  it('should emit what stream$ yields, and interrupt it when unsubscribed', async () => {
    await h.worker({ threads: 1, concurrency: 1 });
    const ex = h.executor();
    expect(await lastValueFrom(stream$(ex, tasks.count, 4).pipe(toArray()))).toEqual([0, 1, 2, 3]);
    const values: number[] = [];
    const subscription = stream$(ex, tasks.yieldThenBlock, h.redis.url, 'rx-gen').subscribe((v) => values.push(v));
    await h.started('rx-gen');
    subscription.unsubscribe();
    expect(values).toEqual([0]);
    expect(await lastValueFrom(submit$(ex, tasks.double, 5))).toBe(10);
  });
});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
