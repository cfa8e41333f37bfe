/**
 * Opens an ioredis connection and waits for it a bounded time: Redis that
 * cannot be reached at start is a `BrokenQueue` error naming the address,
 * never a hang. Once connected, the client reconnects by itself.
 */
import type IORedis from 'ioredis';
import { BrokenQueue } from './errors';
import { loadIORedis } from './load';
import { maskUrl } from './maskUrl';
import type { QueueConnection } from './options';

/**
 * ioredis options with our reconnection policy: steady retries, commands queued meanwhile.
 * @example
 * ```ts
 * new Redis(clientOptions({ host: 'redis.internal' }, 10_000));
 * ```
 */
export function clientOptions(connection: QueueConnection, timeout: number): Record<string, unknown> {
  const base = typeof connection === 'string' ? {} : connection;
  return {
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
    ...base,
    connectTimeout: timeout,
    // How long a socket that never opened may delay exit after disconnect() (ioredis waits 2 s).
    disconnectTimeout: 200,
    maxRetriesPerRequest: null,
    lazyConnect: true,
  };
}

/**
 * A new client (not yet connected) with {@link clientOptions}.
 * @example
 * ```ts
 * const client = createClient(url, 10_000); await client.connect();
 * ```
 */
export function createClient(connection: QueueConnection, timeout: number): IORedis {
  const Redis = loadIORedis();
  const options = clientOptions(connection, timeout);
  return typeof connection === 'string' ? new Redis(connection, options) : new Redis(options);
}

/**
 * @example
 * ```ts
 * const client = await connectRedis('redis://127.0.0.1:6379', 10_000, 'QueueExecutor');
 * ```
 * @param where - who asks, for the message (`QueueExecutor`, `startQueueWorker`)
 * @returns a ready client; its `error` events are swallowed (the watchdog and commands report failures)
 * @throws BrokenQueue if Redis is not ready within `timeout` ms
 */
export async function connectRedis(connection: QueueConnection, timeout: number, where: string): Promise<IORedis> {
  const client = createClient(connection, timeout);
  let lastError: unknown;
  client.on('error', (error) => {
    lastError = error;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect().catch((error) => {
        lastError = error;
        // ioredis goes on retrying after a failed first attempt: wait for 'ready' or the timer.
        return new Promise<void>((resolve) => client.once('ready', resolve));
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), timeout);
      }),
    ]);
  } catch {
    client.disconnect();
    // Not `instanceof Error`: a socket's error may come from another realm (a test runner's sandbox).
    const message = (lastError as { message?: unknown } | undefined)?.message;
    const reason = typeof message === 'string' && message !== '' ? message : 'no answer';
    throw new BrokenQueue(`${where}: cannot reach Redis at ${describeConnection(connection)} within ${timeout} ms (${reason})`, {
      cause: lastError,
    });
  } finally {
    clearTimeout(timer);
  }
  return client;
}

/**
 * The address for messages, without a password: the URL's password, any
 * query parameter ioredis would read a secret from (`?password=`), and — in
 * a string that is no well-formed URL (`redis:/:pw@host`, a typo) —
 * everything before its `@` become `***`.
 * @example
 * ```ts
 * describeConnection('redis://:secret@host:6379'); // 'redis://:***@host:6379'
 * ```
 */
export function describeConnection(connection: QueueConnection): string {
  if (typeof connection === 'string') return maskUrl(connection);
  const { host = '127.0.0.1', port = 6379, path } = connection as { host?: string; port?: number; path?: string };
  return typeof path === 'string' ? path : `${host}:${port}`;
}

/**
 * Closes a client politely if Redis answers within a second, else at once (Redis may be gone).
 * @example
 * ```ts
 * await closeClient(client);
 * ```
 */
export async function closeClient(client: IORedis): Promise<void> {
  if (client.status !== 'ready') return client.disconnect();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([client.quit().catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]);
  clearTimeout(timer);
  client.disconnect();
}
