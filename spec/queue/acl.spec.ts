/**
 * docs/distributed.md's Redis ACL recipe (issue #13), read from the page and
 * run as pasted against the spec's own redis-server: a producer and a worker
 * logged in as the recipe's two users do their whole job — a call, a chunk,
 * a stream, a task the allowlist refuses, an interrupt, watchdog ticks —
 * with nothing in `ACL LOG`, and neither user can touch another queue.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { QueueExecutor, startQueueWorker, TaskNotAllowedError, type QueueWorker } from '../../lib';
import { describeWithRedis, startRedisServer, type RedisServer } from '../helpers/redis';
import { kTasksPath, tasks } from './harness';

const kDoc = readFileSync(join(__dirname, '../../docs/distributed.md'), 'utf8');
// The recipe's queue, users and passwords, as the page writes them.
const kQueue = 'thumbnails';
const kProducer = ['thumbnails-producer', 'PRODUCER-PASSWORD'] as const;
const kWorker = ['thumbnails-worker', 'WORKER-PASSWORD'] as const;

/** The `ACL SETUSER …` lines of the page's "Redis ACLs" recipe. */
function recipe(): string[][] {
  const block = /\*\*Redis ACLs\.\*\*[\s\S]*?```text\n([\s\S]*?)```/.exec(kDoc)?.[1];
  if (block === undefined) throw new Error('docs/distributed.md has no ```text block after **Redis ACLs.**');
  return block
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/));
}

describeWithRedis('the Redis ACL recipe of docs/distributed.md', () => {
  let redis: RedisServer;
  let admin: IORedis;
  const url = ([user, password]: readonly [string, string]): string => `redis://${user}:${password}@127.0.0.1:${redis.port}`;

  beforeAll(async () => {
    redis = await startRedisServer();
    admin = new IORedis(redis.url);
    admin.on('error', () => undefined);
    const lines = recipe();
    expect(lines.map((l) => l.slice(0, 3).join(' '))).toEqual([`ACL SETUSER ${kProducer[0]}`, `ACL SETUSER ${kWorker[0]}`]);
    for (const line of lines) expect(await admin.call(line[0], ...line.slice(1))).toBe('OK');
  });
  afterAll(async () => {
    admin?.disconnect();
    await redis?.stop();
  });

  it("should let a producer and a worker do their whole job as the recipe's users, with nothing denied", async () => {
    await admin.call('ACL', 'LOG', 'RESET');
    await admin.config('RESETSTAT');
    let worker: QueueWorker | undefined;
    const ex = new QueueExecutor({ connection: url(kProducer), queueName: kQueue, maxWorkers: 2, watchdog: { interval: 100, disconnected: 30_000 } });
    try {
      worker = await startQueueWorker({ connection: url(kWorker), queueName: kQueue, tasks: [`${kTasksPath}#double,count,untilAborted`], threads: 2, concurrency: 2 });
      expect(await ex.submit(tasks.double, 21).result(30_000)).toBe(42);
      const chunk: number[] = [];
      for await (const x of ex.map(tasks.double, [1, 2, 3], { chunksize: 3 })) chunk.push(x);
      expect(chunk).toEqual([2, 4, 6]);
      const streamed: number[] = [];
      for await (const x of ex.stream(tasks.count, 3)) streamed.push(x);
      expect(streamed).toEqual([0, 1, 2]);
      expect(await ex.submit(tasks.add, 1, 2).exception(30_000)).toBeInstanceOf(TaskNotAllowedError);
      // The task's own sync list goes through the default user; the interrupt through the producer's.
      const held = ex.submit(tasks.untilAborted, redis.url, 'acl');
      expect(await admin.blpop('acl:started', 30)).not.toBeNull();
      expect(held.cancel({ interrupt: true })).toBe(true);
      expect((await admin.blpop('acl:cleaned', 30))?.[1]).toBe('aborted=true reason=CancelledError');
      // The watchdog's tick asks XINFO (as `XINFO|STREAM`; nothing else here does): wait for two of them.
      for (const deadline = Date.now() + 20_000; (await commandCalls(admin, 'xinfo|stream')) < 2; ) {
        if (Date.now() > deadline) throw new Error('no two watchdog ticks within 20 s');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await ex.shutdown({ cancelFutures: true });
      await worker?.close();
    }
    expect(await admin.call('ACL', 'LOG')).toEqual([]);
  });

  it.each([
    ['the producer', kProducer],
    ['the worker', kWorker],
  ])("should keep %s to its queue's keys and channel", async (_who, user) => {
    const client = new IORedis(url(user), { maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    try {
      expect(await client.set(`bull:${kQueue}:probe`, '1')).toBe('OK');
      await expect(client.set('bull:other-queue:probe', '1')).rejects.toThrow(/NOPERM/);
      await expect(client.get('bull:other-queue:id')).rejects.toThrow(/NOPERM/);
      await expect(client.publish('bull:other-queue:rxfutures:interrupt', 'x')).rejects.toThrow(/NOPERM/);
      await expect(client.call('FLUSHALL')).rejects.toThrow(/NOPERM/);
      await expect(client.call('CONFIG', 'SET', 'maxmemory', '1')).rejects.toThrow(/NOPERM/);
    } finally {
      client.disconnect();
    }
  });
});

/** How often `command` ran since the last CONFIG RESETSTAT, from INFO commandstats. */
async function commandCalls(client: IORedis, command: string): Promise<number> {
  const info = await client.info('commandstats');
  return Number(new RegExp(`cmdstat_${command.replace('|', '\\|')}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
}
