import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { BrokenExecutor, BrokenQueue, QueueExecutor, startQueueWorker } from '../../lib';
import { describeWithRedis, freePort, startRedisServer } from '../helpers/redis';
import { kTasksPath, tasks, useQueueHarness } from './harness';

const kCli = join(__dirname, '../../bin/rxfutures-worker.js');

/** Redis missing, restarted or gone: typed errors, never a hang. */
describeWithRedis('QueueExecutor faults', () => {
  const h = useQueueHarness();

  describe('Redis unreachable at start', () => {
    it('should reject ready() with BrokenQueue within connectTimeout, fail submitted futures, then refuse submit', async () => {
      const url = `redis://127.0.0.1:${await freePort()}`;
      const ex = new QueueExecutor({ connection: url, queueName: 'nowhere', connectTimeout: 300 });
      const f = ex.submit(tasks.double, 1);
      const started = Date.now();
      const error = await ex.ready().catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(error).toBeInstanceOf(BrokenQueue);
      expect(error).toBeInstanceOf(BrokenExecutor);
      expect((error as Error).message).toMatch(new RegExp(`cannot reach Redis at ${url.replace(/[/.]/g, '\\$&')}.*within 300 ms`));
      expect(await f.exception()).toBe(error);
      expect(() => ex.submit(tasks.double, 2)).toThrow(BrokenQueue);
      await ex.shutdown();
    });

    it('should reject startQueueWorker with BrokenQueue', async () => {
      const url = `redis://127.0.0.1:${await freePort()}`;
      await expect(startQueueWorker({ connection: url, queueName: 'nowhere', tasks: [kTasksPath], connectTimeout: 300, threads: 1 })).rejects.toBeInstanceOf(BrokenQueue);
    });

    it('should make rxfutures-worker exit 1 with the reason', async () => {
      const url = `redis://127.0.0.1:${await freePort()}`;
      const { code, stderr } = await run(kCli, ['--redis', url, '--queue', 'nowhere', '--tasks', kTasksPath, '--connect-timeout', '300', '--threads', '1']);
      expect(code).toBe(1);
      expect(stderr).toMatch(/cannot reach Redis/);
      expect((await run(kCli, ['--queue', 'q', '--tasks', kTasksPath])).code).toBe(2);
    });
  });

  it('should fail futures whose jobs a Redis restart lost with BrokenQueue, and serve again after', async () => {
    await h.worker({ concurrency: 1 });
    const ex = h.executor({ watchdog: { interval: 200, disconnected: 10_000 } });
    const running = ex.submit(tasks.waitForRelease, h.redis.url, 'restart');
    const waiting = ex.submit(tasks.double, 1);
    await h.started('restart');
    await h.redis.restart();
    const [a, b] = await Promise.all([running.exception(), waiting.exception()]);
    expect(a).toBeInstanceOf(BrokenQueue);
    expect((a as Error).message).toMatch(/gone from Redis/);
    expect(b).toBeInstanceOf(BrokenQueue);
    // The task itself still runs on the worker (its job is gone): let it end so the worker has room.
    await h.release('restart');
    // Everyone reconnects to the new, empty Redis.
    expect(await ex.submit(tasks.double, 21).result(15_000)).toBe(42);
  });

  // Was a bug in lib/queue/QueueWatchdog.ts (found reading the code when QueueDispatcher was split): a
  // shutdown while the executor was still connecting stopped the watchdog before it had started, and
  // the connection then started it anyway, ticking for ever against a closed client.
  it('should leave no watchdog ticking after a shutdown made while still connecting', async () => {
    const kInterval = 4321; // tells the watchdog's timer from any other
    const started = new Set<unknown>();
    const realSetInterval = global.setInterval;
    const realClearInterval = global.clearInterval;
    const setSpy = jest.spyOn(global, 'setInterval').mockImplementation(((fn: () => void, ms?: number) => {
      const timer = realSetInterval(fn, ms);
      if (ms === kInterval) started.add(timer);
      return timer;
    }) as typeof setInterval);
    const clearSpy = jest.spyOn(global, 'clearInterval').mockImplementation((timer?: string | number | NodeJS.Timeout) => {
      started.delete(timer);
      realClearInterval(timer);
    });
    try {
      const ex = new QueueExecutor({ connection: h.redis.url, queueName: h.queueName, watchdog: { interval: kInterval, disconnected: 60_000 } });
      await ex.shutdown(); // at once: the connection is still being made
      await ex.ready().catch(() => undefined);
      expect(started.size).toBe(0);
    } finally {
      setSpy.mockRestore();
      clearSpy.mockRestore();
    }
  });

  it('should fail unfinished futures with BrokenQueue once Redis is gone longer than watchdog.disconnected', async () => {
    const redis = await startRedisServer();
    try {
      const ex = new QueueExecutor({ connection: redis.url, queueName: 'gone', watchdog: { interval: 100, disconnected: 500 } });
      const f = ex.submit(tasks.double, 1);
      await ex.ready();
      await redis.stop();
      const error = await f.exception(10_000);
      expect(error).toBeInstanceOf(BrokenQueue);
      expect((error as Error).message).toMatch(/has not answered for \d+ ms/);
      await ex.shutdown();
    } finally {
      await redis.stop();
    }
  });
});

function run(file: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [file, ...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}
