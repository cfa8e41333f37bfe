/**
 * BullMQ and ioredis are optional peer dependencies: users who never touch
 * the queue executor do not install them. They are loaded here, on first
 * use, with a message that says what to install.
 */
import type * as BullMQ from 'bullmq';
import type IORedisType from 'ioredis';

/**
 * The `bullmq` module.
 * @example
 * ```ts
 * const { Queue } = loadBullmq();
 * ```
 * @throws Error naming the packages to install
 */
export function loadBullmq(): typeof BullMQ {
  return load('bullmq') as typeof BullMQ;
}

/**
 * The ioredis client class.
 * @example
 * ```ts
 * const Redis = loadIORedis(); const client = new Redis('redis://127.0.0.1:6379');
 * ```
 * @throws Error naming the packages to install
 */
export function loadIORedis(): typeof IORedisType {
  const mod = load('ioredis') as { default?: typeof IORedisType } & typeof IORedisType;
  return mod.default ?? mod;
}

function load(name: string): unknown {
  try {
    return require(name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    throw new Error(
      `rxfutures' queue executor needs the optional packages bullmq and ioredis: npm install bullmq@6 ioredis@5 (could not load ${name})`,
      { cause: error },
    );
  }
}
