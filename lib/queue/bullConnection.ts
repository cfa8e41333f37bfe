/**
 * Connection options for the connections BullMQ opens itself (the blocking
 * ones of the Worker): ours, with BullMQ's own `url` key.
 */
import { clientOptions } from './connectRedis';
import type { QueueConnection } from './options';

/**
 * @example
 * ```ts
 * new Worker(name, processor, { connection: bullConnection('redis://127.0.0.1:6379', 10_000) });
 * ```
 * @returns options BullMQ passes to ioredis
 */
export function bullConnection(connection: QueueConnection, timeout: number): Record<string, unknown> {
  const { lazyConnect: _lazy, ...options } = clientOptions(connection, timeout);
  return typeof connection === 'string' ? { url: connection, ...options } : options;
}
