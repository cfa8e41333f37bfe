/**
 * The producer's event reader (issue #13): after a failed read it starts
 * again from the last id it read — entries added while it was down are
 * delivered, none twice — and tells its owner, so the watchdog sweeps; a
 * handler that throws, or entries of any shape, never stop it.
 */
import IORedis from 'ioredis';
import { JobEventsReader } from '../../lib/queue/JobEventsReader';
import { describeWithRedis, startRedisServer, type RedisServer } from '../helpers/redis';

describeWithRedis('JobEventsReader', () => {
  let redis: RedisServer;
  let admin: IORedis;
  let n = 0;
  let key: string;

  beforeAll(async () => {
    redis = await startRedisServer();
    admin = new IORedis(redis.url);
    admin.on('error', () => undefined);
  });
  beforeEach(() => {
    key = `events-${++n}`;
  });
  afterAll(async () => {
    admin?.disconnect();
    await redis?.stop();
  });

  /** Resolves when `count` events have reached `seen`. */
  function collector(): { seen: Array<[string, string | undefined]>; until(count: number): Promise<void>; onEvent(id: string, fields: ReadonlyMap<string, string>): void } {
    const waiters: Array<{ count: number; resolve: () => void }> = [];
    const c = {
      seen: [] as Array<[string, string | undefined]>,
      until: (count: number) => new Promise<void>((resolve) => (c.seen.length >= count ? resolve() : waiters.push({ count, resolve }))),
      onEvent(id: string, fields: ReadonlyMap<string, string>) {
        c.seen.push([id, fields.get('event')]);
        for (const w of waiters.filter((x) => c.seen.length >= x.count)) w.resolve();
      },
    };
    return c;
  }

  it('should start again from the last id it read after a failed read, losing and repeating nothing, and say so', async () => {
    const client = new IORedis(redis.url);
    const restarts: unknown[] = [];
    const c = collector();
    let reads = 0;
    // The real client; its second XREAD fails, after two entries were added that it would have read.
    const failing = new Proxy(client, {
      get(target, property, receiver) {
        if (property !== 'xread') return Reflect.get(target, property, receiver);
        return async (...args: unknown[]) => {
          reads += 1;
          if (reads === 2) {
            await admin.xadd(key, '*', 'event', 'b');
            await admin.xadd(key, '*', 'event', 'c');
            throw new Error('connection cut');
          }
          return (target.xread as (...a: unknown[]) => Promise<unknown>)(...args);
        };
      },
    });
    await admin.xadd(key, '*', 'event', 'a');
    const reader = new JobEventsReader(failing, key, '0-0', (id, fields) => c.onEvent(id, fields), (error) => restarts.push(error), 200);
    reader.start();
    try {
      await c.until(3);
      expect(c.seen.map(([, event]) => event)).toEqual(['a', 'b', 'c']);
      expect(restarts).toEqual([new Error('connection cut')]);
      expect(reader.lastId).toBe(c.seen[2][0]);
      await admin.xadd(key, '*', 'event', 'd');
      await c.until(4);
      expect(c.seen.map(([, event]) => event)).toEqual(['a', 'b', 'c', 'd']);
    } finally {
      await reader.close();
    }
  });

  it('should go on after entries of any shape and a handler that throws', async () => {
    const client = new IORedis(redis.url);
    const c = collector();
    const reader = new JobEventsReader(
      client,
      key,
      '0-0',
      (id, fields) => {
        c.onEvent(id, fields);
        if (fields.get('event') === 'boom') throw new Error('a handler bug');
      },
      () => undefined,
      200,
    );
    await admin.xadd(key, '*', 'event', 'boom');
    await admin.xadd(key, '*', '__proto__', 'x', 'constructor', 'y');
    await admin.xadd(key, '*', 'event', 'progress', 'data', '{not json', 'event', 'twice');
    await admin.xadd(key, '*', 'event', 'last');
    reader.start();
    try {
      await c.until(4);
      expect(c.seen.map(([, event]) => event)).toEqual(['boom', undefined, 'progress', 'last']);
    } finally {
      await reader.close();
    }
  });
});
