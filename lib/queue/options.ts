/**
 * Options of the queue executor and of its workers, with their defaults and
 * edge checks (each message names the option, as Piscina's do).
 */
import { availableParallelism } from 'node:os';
import { checkPositiveInteger, describe } from '../internal/validate';
import { kDefaultInterruptGraceMs } from '../threadPool/options';
import { maskUrl } from './maskUrl';
import type { QueueTaskEntry } from './TaskAllowlist';

/**
 * Where Redis is: a `redis://` / `rediss://` URL, or ioredis connection
 * options (`host`, `port`, `password`, `db`, `tls`, …).
 *
 * @example
 * ```ts
 * const a: QueueConnection = 'redis://127.0.0.1:6379/0';
 * const b: QueueConnection = { host: 'redis.internal', port: 6379, password: process.env.REDIS_PASSWORD };
 * ```
 */
export type QueueConnection =
  | string
  | { host?: string; port?: number; username?: string; password?: string; db?: number; tls?: object; [option: string]: unknown };

/** What both sides share. */
interface CommonOptions {
  /** Where Redis is. */
  connection: QueueConnection;
  /** The BullMQ queue's name; a producer and its workers use the same one. */
  queueName: string;
  /** BullMQ's key prefix. @default 'bull' */
  prefix?: string;
  /** How long to wait for Redis at start before failing with `BrokenQueue`. @default 10000 */
  connectTimeout?: number;
  /** The largest serialised arguments, result or yielded value sent through Redis. @default 67108864 (64 MiB) */
  maxPayloadBytes?: number;
}

/**
 * Options of {@link QueueExecutor}.
 *
 * @example
 * ```ts
 * const options: QueueExecutorOptions = { connection: 'redis://127.0.0.1:6379', queueName: 'images', maxWorkers: 32 };
 * ```
 */
export interface QueueExecutorOptions extends CommonOptions {
  /**
   * How many tasks the workers run at once, all machines together. Nothing
   * is limited by it: operators size their default `buffersize` from it
   * (2 × maxWorkers jobs in flight), so set it to the workers' total concurrency.
   * @default 8
   */
  maxWorkers?: number;
  /**
   * Finished jobs are kept in Redis this long (seconds) and at most this
   * many, so a producer that missed an event can still read the outcome.
   * @default { age: 3600, count: 20000 }
   */
  keepFinished?: { age?: number; count?: number };
  /**
   * The queue's event stream keeps about this many events (BullMQ's
   * `streams.events.maxLen`, set for the whole queue). A producer whose
   * reader falls further behind than this misses events, and recovers them
   * from the jobs kept by `keepFinished` at the next watchdog tick.
   * @default 100000
   */
  eventsMaxLen?: number;
  /**
   * How often (ms) the executor checks that it has missed no event (a
   * trimmed event stream, a reconnection) and how long Redis may stay
   * unreachable before unfinished futures fail with `BrokenQueue`.
   * @default { interval: 2000, disconnected: 30000 }
   */
  watchdog?: { interval?: number; disconnected?: number };
}

/**
 * Options of {@link startQueueWorker}.
 *
 * @example
 * ```ts
 * const options: QueueWorkerOptions = { connection: 'redis://127.0.0.1:6379', queueName: 'images', tasks: ['/srv/app/tasks.js'], concurrency: 8 };
 * ```
 */
export interface QueueWorkerOptions extends CommonOptions {
  /**
   * Required: the task modules (and optionally exports) this worker may
   * run. Whoever can write to Redis can add a job naming any module, so a
   * job naming anything else fails with `TaskNotAllowedError` and runs
   * nothing. Entries: a module (absolute path, `file:` URL, package name,
   * or a path relative to the working directory) allows its own function
   * exports; `'module#a,b'`, `{ module, exports: ['a', 'b'] }` or a `Task`
   * allow only those. Modules are compared by real path, after symlinks.
   * Each module is loaded once at start to read its exports.
   */
  tasks: QueueTaskEntry | readonly QueueTaskEntry[];
  /** Jobs this process takes at once. @default `threads` */
  concurrency?: number;
  /** Worker threads of the local thread pool that runs the tasks. @default `availableParallelism()` */
  threads?: number;
  /**
   * How long (ms) a job's lock lasts unless renewed; a worker that dies
   * loses its jobs to another worker this long after (plus up to two
   * `stalledInterval`s). @default 30000
   */
  lockDuration?: number;
  /** How often (ms) workers look for jobs whose worker died. @default 30000 */
  stalledInterval?: number;
  /** How many times a job may lose its worker before it fails with `WorkerExitError`. @default 1 */
  maxStalledCount?: number;
  /** The worker's name, shown in BullMQ dashboards. */
  name?: string;
  /**
   * Milliseconds an interrupted job's task (its producer called
   * `cancel({ interrupt: true })` or unsubscribed) has to end after its
   * `AbortSignal` aborts: one that ends in time keeps its worker thread,
   * one that does not has the thread terminated and replaced. `0`
   * terminates at once; `Infinity` never does. As the thread pool's option.
   * @default 100
   */
  interruptGraceMs?: number;
}

/** @internal */
export interface FilledCommon {
  connection: QueueConnection;
  queueName: string;
  prefix: string;
  connectTimeout: number;
  maxPayloadBytes: number;
}

/** @internal */
export interface FilledExecutorOptions extends FilledCommon {
  maxWorkers: number;
  keepFinished: { age: number; count: number };
  eventsMaxLen: number;
  watchdog: { interval: number; disconnected: number };
}

/** @internal */
export interface FilledWorkerOptions extends FilledCommon {
  concurrency: number;
  threads: number;
  lockDuration: number;
  stalledInterval: number;
  maxStalledCount: number;
  name: string | undefined;
  interruptGraceMs: number;
}

/**
 * Defaults and checks of {@link QueueExecutorOptions}.
 * @example
 * ```ts
 * fillExecutorOptions({ connection: url, queueName: 'q' }).maxWorkers; // 8
 * ```
 * @internal
 */
export function fillExecutorOptions(options: QueueExecutorOptions): FilledExecutorOptions {
  const where = 'QueueExecutor';
  const common = fillCommon(options, where);
  const { maxWorkers = 8, keepFinished = {}, watchdog = {}, eventsMaxLen = 100_000 } = options;
  checkPositiveInteger(maxWorkers, `${where}: options.maxWorkers`);
  checkPositiveInteger(eventsMaxLen, `${where}: options.eventsMaxLen`);
  const { age = 3600, count = 20_000 } = keepFinished;
  checkNonNegativeInteger(age, `${where}: options.keepFinished.age`);
  checkNonNegativeInteger(count, `${where}: options.keepFinished.count`);
  const { interval = 2000, disconnected = 30_000 } = watchdog;
  checkPositiveInteger(interval, `${where}: options.watchdog.interval`);
  checkPositiveInteger(disconnected, `${where}: options.watchdog.disconnected`);
  return { ...common, maxWorkers, keepFinished: { age, count }, eventsMaxLen, watchdog: { interval, disconnected } };
}

/**
 * Defaults and checks of {@link QueueWorkerOptions}.
 * @example
 * ```ts
 * fillWorkerOptions({ connection: url, queueName: 'q', threads: 2 }).concurrency; // 2
 * ```
 * @internal
 */
export function fillWorkerOptions(options: QueueWorkerOptions): FilledWorkerOptions {
  const where = 'startQueueWorker';
  const common = fillCommon(options, where);
  const { threads = availableParallelism(), lockDuration = 30_000, stalledInterval = 30_000, maxStalledCount = 1, name, interruptGraceMs = kDefaultInterruptGraceMs } = options;
  checkPositiveInteger(threads, `${where}: options.threads`);
  const { concurrency = threads } = options;
  checkPositiveInteger(concurrency, `${where}: options.concurrency`);
  checkPositiveInteger(lockDuration, `${where}: options.lockDuration`);
  checkPositiveInteger(stalledInterval, `${where}: options.stalledInterval`);
  checkNonNegativeInteger(maxStalledCount, `${where}: options.maxStalledCount`);
  if (name !== undefined && typeof name !== 'string') throw new TypeError(`${where}: options.name must be a string, got ${describe(name)}`);
  if (typeof interruptGraceMs !== 'number' || Number.isNaN(interruptGraceMs) || interruptGraceMs < 0) {
    throw new RangeError(`${where}: options.interruptGraceMs must be a number of milliseconds >= 0 (or Infinity), got ${describe(interruptGraceMs)}`);
  }
  return { ...common, concurrency, threads, lockDuration, stalledInterval, maxStalledCount, name, interruptGraceMs };
}

function fillCommon(options: CommonOptions, where: string): FilledCommon {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${where}: options must be an object with connection and queueName, got ${describe(options)}`);
  }
  const { connection, queueName, prefix = 'bull', connectTimeout = 10_000, maxPayloadBytes = 64 * 2 ** 20 } = options;
  if (typeof connection !== 'string' && (connection === null || typeof connection !== 'object')) {
    throw new TypeError(`${where}: options.connection must be a redis:// URL or ioredis options, got ${describe(connection)}`);
  }
  if (typeof connection === 'string' && !/^rediss?:\/\//.test(connection)) {
    // The URL may hold a password: never quote it as it is.
    throw new TypeError(`${where}: options.connection must be a redis:// or rediss:// URL, got ${maskUrl(connection)}`);
  }
  if (typeof queueName !== 'string' || queueName === '' || queueName.includes(':')) {
    throw new TypeError(`${where}: options.queueName must be a non-empty string without ':', got ${describe(queueName)}`);
  }
  if (typeof prefix !== 'string' || prefix === '') throw new TypeError(`${where}: options.prefix must be a non-empty string, got ${describe(prefix)}`);
  checkPositiveInteger(connectTimeout, `${where}: options.connectTimeout`);
  checkPositiveInteger(maxPayloadBytes, `${where}: options.maxPayloadBytes`);
  // Redis refuses bulk strings over 512 MB (proto-max-bulk-len); base64 adds a third.
  if (maxPayloadBytes > 256 * 2 ** 20) {
    throw new RangeError(`${where}: options.maxPayloadBytes must be at most ${256 * 2 ** 20} (Redis's 512 MB string limit), got ${maxPayloadBytes}`);
  }
  return { connection, queueName, prefix, connectTimeout, maxPayloadBytes };
}

function checkNonNegativeInteger(value: unknown, name: string): void {
  if (value === 0) return;
  checkPositiveInteger(value, name);
}
