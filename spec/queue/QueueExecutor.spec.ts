import { Queue, QueueEvents } from 'bullmq';
import { CancelledError, DataCloneError, ShutdownError, task, type Future } from '../../lib';
import { describeWithRedis } from '../helpers/redis';
import { tasks, useQueueHarness } from './harness';

/** @test {QueueExecutor} */
describeWithRedis('QueueExecutor', () => {
  const h = useQueueHarness();

  describe('submit', () => {
    // These finish their jobs and keep the worker's thread: one worker serves them all.
    describe('on one worker', () => {
      h.shareWorker();

      it('should run a module task on a worker and resolve its future with the result', async () => {
        const ex = h.executor();
        const f = ex.submit(tasks.add, 40, 2);
        expect(await f).toBe(42);
        expect(f.state).toBe('finished');
      });

      it('should carry structured-clone values (Map, BigInt, undefined, typed arrays) both ways', async () => {
        const ex = h.executor();
        const value = { m: new Map([[1, 'a']]), big: 2n ** 70n, u: undefined, bytes: new Uint8Array([1, 2, 3]), d: new Date(0) };
        const back = (await ex.submit(tasks.echo, value)) as typeof value;
        expect(back).toEqual(value);
        expect(back.m.get(1)).toBe('a');
      });

      it('should mark the future running while a worker holds the job', async () => {
        const ex = h.executor();
        const f = ex.submit(tasks.waitForRelease, h.redis.url, 'running');
        await h.started('running');
        await waitFor(() => f.running());
        await h.release('running');
        expect(await f).toBe('released');
      });

      it('should rebuild the task exception whole: class name, message, code, own properties, cause, worker stack', async () => {
        const ex = h.executor();
        const error = (await ex.submit(tasks.fail, 'boom').exception()) as TypeError & { code: string; detail: unknown; cause: Error };
        // Rebuilt in this realm: Jest's realm has its own TypeError, so assert the name (SPEC §7).
        expect(error.name).toBe('TypeError');
        expect(error.message).toBe('boom');
        expect(error.code).toBe('E_QUEUE_FIXTURE');
        expect(error.detail).toEqual({ n: 42 });
        expect(error.cause.name).toBe('RangeError');
        expect(error.cause.message).toBe('the cause');
        expect(error.stack).toContain('queueTasks.js');
        await expect(ex.submit(tasks.fail, 'again')).rejects.toMatchObject({ name: 'TypeError', message: 'again' });
      });

      it('should deliver a thrown non-Error as it was thrown', async () => {
        const ex = h.executor();
        expect(await ex.submit(tasks.throwValue, { reason: 'plain' }).exception()).toEqual({ reason: 'plain' });
      });

      it('should report a module that does not load on the future', async () => {
        const ex = h.executor();
        const error = (await ex.submit(task('/nowhere/tasks.js', 'x')).exception()) as Error;
        expect(error.message).toContain('/nowhere/tasks.js');
      });
    });

    it('should keep a future pending while its job waits for a worker, then run it', async () => {
      const ex = h.executor();
      const f = ex.submit(tasks.double, 4);
      await ex.ready();
      expect(f.state).toBe('pending');
      await h.worker();
      expect(await f).toBe(8);
    });

    it('should refuse inline functions with a TypeError that says why', () => {
      const ex = h.executor();
      expect(() => ex.submit((x: number) => x * 2, 1)).toThrow(/module tasks only.*another machine/);
      expect(() => ex.submit('double' as never)).toThrow(TypeError);
    });

    it('should fail the future with DataCloneError for arguments that cannot be serialised', async () => {
      const ex = h.executor();
      const error = await ex.submit(tasks.echo, { f: () => 1 }).exception();
      expect(error).toBeInstanceOf(DataCloneError);
    });

    it('should fail the future with PayloadTooLargeError for arguments over maxPayloadBytes', async () => {
      const ex = h.executor({ maxPayloadBytes: 1000 });
      const error = (await ex.submit(tasks.echo, new Uint8Array(5000)).exception()) as Error & { bytes: number; limit: number };
      expect(error.name).toBe('PayloadTooLargeError');
      expect(error.limit).toBe(1000);
      expect(error.bytes).toBeGreaterThan(5000);
      expect(error.message).toMatch(/task's arguments.*maxPayloadBytes/);
    });

    it('should fail the future with PayloadTooLargeError for a result over the worker limit, and go on', async () => {
      await h.worker({ maxPayloadBytes: 10_000 });
      const ex = h.executor();
      const error = (await ex.submit(tasks.bytes, 50_000).exception()) as Error & { what: string };
      expect(error.name).toBe('PayloadTooLargeError');
      expect(error.what).toBe('the result');
      expect(await ex.submit(tasks.double, 1)).toBe(2);
    });
  });

  describe('cancel', () => {
    it('should remove a waiting job: cancel() is true and the task never runs', async () => {
      const ex = h.executor();
      const f = ex.submit(tasks.waitForRelease, h.redis.url, 'never');
      await ex.ready();
      await waitFor(async () => (await h.client.llen(`bull:${h.queueName}:wait`)) === 1);
      expect(f.cancel()).toBe(true);
      expect(f.cancelled()).toBe(true);
      await expect(f.result()).rejects.toBeInstanceOf(CancelledError);
      await waitFor(async () => (await h.client.llen(`bull:${h.queueName}:wait`)) === 0);
      await h.worker();
      // A later job runs; the cancelled one never started.
      expect(await ex.submit(tasks.double, 1)).toBe(2);
      expect(await h.client.llen('never:started')).toBe(0);
    });

    it('should not stop a running job without interrupt', async () => {
      await h.worker();
      const ex = h.executor();
      const f = ex.submit(tasks.waitForRelease, h.redis.url, 'strict');
      await h.started('strict');
      await waitFor(() => f.running());
      expect(f.cancel()).toBe(false);
      await h.release('strict');
      expect(await f).toBe('released');
    });

    it('should stop a running job on its worker with cancel({ interrupt: true }), and the worker serves on', async () => {
      await h.worker({ threads: 1, concurrency: 1 });
      const ex = h.executor();
      const f = ex.submit(tasks.blockForever, h.redis.url, 'stuck');
      await h.started('stuck');
      await waitFor(() => f.running());
      expect(f.cancel({ interrupt: true })).toBe(true);
      expect(f.state).toBe('cancelled');
      // One thread, one job at a time: this runs only if the blocked thread was really stopped.
      expect(await ex.submit(tasks.double, 21)).toBe(42);
      await waitFor(async () => (await h.client.zcard(`bull:${h.queueName}:failed`)) === 1);
    });
  });

  describe('map', () => {
    // Was a bug (issue #15): with a bounded buffersize, every chunk after the first window went out as
    // a one-item job (the refill took one item per result), so map ran at submit speed.
    it('should send whole chunks as jobs when buffersize bounds the window', async () => {
      await h.worker();
      const ex = h.executor();
      const out: number[] = [];
      for await (const v of ex.map(tasks.double, Array.from({ length: 1000 }, (_, i) => i), { chunksize: 100, buffersize: 200 })) out.push(v);
      expect(out).toEqual(Array.from({ length: 1000 }, (_, i) => i * 2));
      const queue = new Queue(h.queueName, { connection: h.client });
      expect(await queue.getJobCountByTypes('completed')).toBe(10);
      await queue.close();
    });

    // Was slow (issue #15): the consumer frees one chunk per result batch position, a microtask at a time,
    // and each freed chunk went to Redis as an addBulk of its own; now they share the round trip.
    it('should send the chunks freed by one batch of results in one addBulk', async () => {
      // Two threads: chunk 0 holds one while chunks 1-3 run on the other.
      await h.worker({ threads: 2, concurrency: 4 });
      const ex = h.executor();
      await ex.ready();
      const events = new QueueEvents(h.queueName, { connection: h.client.duplicate() });
      await events.waitUntilReady();
      const othersDone = new Promise<void>((resolve) => {
        let completed = 0;
        events.on('completed', () => {
          if (++completed === 3) resolve();
        });
      });
      const addBulk = jest.spyOn(Queue.prototype, 'addBulk');
      try {
        // 8 chunks of 2, a window of 4 chunks; the first item holds chunk 0 until chunks 1-3 are done.
        const items = range(16).map((x) => (x === 0 ? { x, url: h.redis.url, key: 'head' } : { x }));
        const out: number[] = [];
        const consuming = (async () => {
          for await (const y of ex.map(tasks.doubleAfterRelease, items, { chunksize: 2, buffersize: 8 })) out.push(y);
        })();
        await h.started('head');
        await othersDone;
        await h.release('head');
        await consuming;
        expect(out).toEqual(range(16).map((x) => x * 2));
        // The first window, then chunks 4-7, freed together when chunk 0 arrived (was 1 + 4).
        expect(addBulk).toHaveBeenCalledTimes(2);
        expect(addBulk.mock.calls.map(([jobs]) => jobs.length)).toEqual([4, 4]);
      } finally {
        addBulk.mockRestore();
        await events.close();
      }
    });

    it('should send submits made in one turn of the event loop, microtasks apart, in one addBulk', async () => {
      await h.worker();
      const ex = h.executor();
      await ex.ready();
      const addBulk = jest.spyOn(Queue.prototype, 'addBulk');
      try {
        const futures = [ex.submit(tasks.double, 1)];
        await Promise.resolve();
        futures.push(ex.submit(tasks.double, 2));
        await Promise.resolve();
        await Promise.resolve();
        futures.push(ex.submit(tasks.double, 3));
        expect(await Promise.all(futures)).toEqual([2, 4, 6]);
        expect(addBulk).toHaveBeenCalledTimes(1);
      } finally {
        addBulk.mockRestore();
      }
    });

    // Order and exceptions at their position, whatever the worker's concurrency: one two-thread worker serves them all.
    describe('on one worker', () => {
      h.shareWorker({ threads: 2, concurrency: 8 });

      it('should yield results in input order', async () => {
        const ex = h.executor();
        const out: number[] = [];
        for await (const y of ex.map(tasks.double, range(50))) out.push(y);
        expect(out).toEqual(range(50).map((x) => x * 2));
      });

      it('should send chunksize items per job and keep the order', async () => {
        const ex = h.executor();
        const out: number[] = [];
        for await (const y of ex.map(tasks.double, range(1000), { chunksize: 100 })) out.push(y);
        expect(out).toEqual(range(1000).map((x) => x * 2));
      });

      it("should throw a task's exception at its position, in a chunk too", async () => {
        const ex = h.executor();
        for (const chunksize of [1, 4]) {
          const seen: number[] = [];
          const run = async (): Promise<void> => {
            for await (const y of ex.map(tasks.doubleUnless7, range(10), { chunksize })) seen.push(y);
          };
          await expect(run()).rejects.toMatchObject({ name: 'RangeError', message: 'bad item 7' });
          expect(seen).toEqual([0, 2, 4, 6, 8, 10, 12]);
        }
      });
    });
  });

  describe('stream', () => {
    describe('on one worker', () => {
      h.shareWorker();

      it("should yield a generator task's values, then end", async () => {
        const ex = h.executor();
        const out: number[] = [];
        for await (const y of ex.stream(tasks.count, 5)) out.push(y);
        expect(out).toEqual([0, 1, 2, 3, 4]);
      });

      it("should throw the task's exception after the values it yielded", async () => {
        const ex = h.executor();
        const out: unknown[] = [];
        const run = async (): Promise<void> => {
          for await (const y of ex.stream(tasks.yieldThenFail, ['a', 'b'])) out.push(y);
        };
        await expect(run()).rejects.toMatchObject({ name: 'SyntaxError', message: 'after the values' });
        expect(out).toEqual(['a', 'b']);
      });
    });

    it('should interrupt the task on its worker when the consumer stops early', async () => {
      await h.worker({ threads: 1, concurrency: 1 });
      const ex = h.executor();
      const it = ex.stream(tasks.yieldThenBlock, h.redis.url, 'gen');
      expect(await it.next()).toEqual({ value: 0, done: false });
      await h.started('gen');
      await it.return!();
      expect(await ex.submit(tasks.double, 2)).toBe(4);
    });
  });

  describe('shutdown', () => {
    it('should throw ShutdownError from submit, map and stream after shutdown, and be harmless twice', async () => {
      const ex = h.executor();
      await ex.shutdown();
      await ex.shutdown();
      expect(() => ex.submit(tasks.double, 1)).toThrow(ShutdownError);
      expect(() => ex.map(tasks.double, [1])).toThrow(ShutdownError);
      expect(() => ex.stream(tasks.count, 1)).toThrow(ShutdownError);
    });

    it('should wait for running and pending jobs with wait: true', async () => {
      await h.worker({ concurrency: 1 });
      const ex = h.executor();
      const running = ex.submit(tasks.waitForRelease, h.redis.url, 'drain');
      const pending = ex.submit(tasks.double, 5);
      await h.started('drain');
      let closed = false;
      const shutdown = ex.shutdown({ wait: true }).then(() => (closed = true));
      expect(() => ex.submit(tasks.double, 1)).toThrow(ShutdownError);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(closed).toBe(false);
      await h.release('drain');
      await shutdown;
      expect(running.resultNow()).toBe('released');
      expect(pending.resultNow()).toBe(10);
    });

    it('should cancel waiting jobs with cancelFutures: true, and resolve at once with wait: false', async () => {
      const ex = h.executor();
      const fs: Future<number>[] = range(5).map((x) => ex.submit(tasks.double, x));
      await ex.ready();
      await ex.shutdown({ wait: false, cancelFutures: true });
      expect(fs.every((f) => f.cancelled())).toBe(true);
      await ex.shutdown();
      expect(await h.client.llen(`bull:${h.queueName}:wait`)).toBe(0);
    });

    it('should shut down at the end of an await using block', async () => {
      await h.worker();
      let f: Future<number>;
      {
        await using ex = h.executor();
        f = ex.submit(tasks.double, 3);
      }
      expect(f.resultNow()).toBe(6);
    });
  });

  it('should validate its options, naming them', () => {
    const base = { connection: 'redis://127.0.0.1:1', queueName: 'q' };
    expect(() => h.executor({ ...base, maxWorkers: 0 })).toThrow(/options.maxWorkers/);
    expect(() => h.executor({ ...base, queueName: '' })).toThrow(/options.queueName/);
    expect(() => h.executor({ ...base, connection: 'http://x' })).toThrow(/options.connection/);
    expect(() => h.executor({ ...base, maxPayloadBytes: 2 ** 30 })).toThrow(/options.maxPayloadBytes/);
  });
});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Polls a condition that another process changes (Redis state), for at most 10 s. */
async function waitFor(condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within 10 s: ${condition}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
