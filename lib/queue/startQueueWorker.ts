import type { Job } from 'bullmq';
import { kMaxErrorBytes } from '../internal/symbols';
import type { InternalThreadPoolOptions } from '../threadPool/options';
import { ThreadPoolExecutor } from '../threadPool/ThreadPoolExecutor';
import { bullConnection } from './bullConnection';
import { closeClient, connectRedis } from './connectRedis';
import { BrokenQueue } from './errors';
import { errorBudget, JobRunner } from './JobRunner';
import { TaskAllowlist } from './TaskAllowlist';
import { loadBullmq } from './load';
import { fillWorkerOptions, type QueueWorkerOptions } from './options';
import { interruptChannel, type JobData } from './protocol';

/**
 * A running queue worker: what {@link startQueueWorker} resolves with.
 *
 * @example
 * ```ts
 * const worker = await startQueueWorker({ connection: url, queueName: 'q', tasks: ['/srv/app/tasks.js'] });
 * process.on('SIGTERM', () => void worker.close());
 * ```
 */
export interface QueueWorker {
  /** Jobs this process takes at once. */
  readonly concurrency: number;
  /** Worker threads running the tasks. */
  readonly threads: number;
  /**
   * Takes no new job, lets the running ones finish, then closes the thread
   * pool and the connections. Calling it twice is harmless.
   */
  close(): Promise<void>;
  /** `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Serves a {@link QueueExecutor}'s queue from this process: takes jobs from
 * Redis and runs their module tasks on a local `ThreadPoolExecutor`, so
 * CPU-bound tasks use every core of this machine. Start one per machine (or
 * use the `rxfutures-worker` command); a producer's `cancel({ interrupt: true })`
 * stops a job here cooperatively (inside the task `currentAbortSignal()`
 * aborts and `throwIfInterrupted()` throws; a task that ends within
 * `interruptGraceMs` keeps its thread, one that does not has it replaced),
 * and a job whose worker dies is run again by another (BullMQ's
 * stalled-job recovery, after `lockDuration`).
 *
 * The queue is a trust boundary: whoever can write to Redis can add a job
 * naming any module, so the worker runs only the task modules listed in
 * `tasks` (it refuses to start without them); a job naming anything else
 * fails with `TaskNotAllowedError` and runs nothing. Every job's data is
 * checked and bounded before use. Task specifiers must resolve here: use
 * package names, or paths that are the same on every machine.
 *
 * @example
 * ```ts
 * import { startQueueWorker } from 'rxfutures';
 * const worker = await startQueueWorker({
 *   connection: process.env.REDIS_URL!,
 *   queueName: 'thumbnails',
 *   tasks: ['my-tasks#resize,crop'],
 *   concurrency: 8,
 * });
 * process.once('SIGTERM', () => void worker.close());
 * ```
 * @see QueueExecutor
 * @param options - see {@link QueueWorkerOptions}
 * @returns the running worker, once connected
 * @throws (rejects with) `BrokenQueue` if Redis is not reachable within `connectTimeout`;
 *   `TypeError`/`RangeError` for a bad option, a missing or empty `tasks`, or a listed module or export that is not there
 */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const o = fillWorkerOptions(options);
  const allowlist = await TaskAllowlist.load(options.tasks, 'startQueueWorker: options.tasks');
  const client = await connectRedis(o.connection, o.connectTimeout, 'startQueueWorker');
  const subscriber = client.duplicate();
  subscriber.on('error', () => undefined);
  // A task's exception is cut to the job's error budget in its worker thread, before it is posted: an
  // oversized one (a 100 MiB message) never crosses to this thread whole (JobRunner cuts what fails here).
  // At least 1: a budget of 0 (maxPayloadBytes < 4) fits nothing, and neither does 1.
  const maxErrorBytes = Math.max(1, errorBudget(o.maxPayloadBytes));
  const poolOptions: InternalThreadPoolOptions = { maxWorkers: o.threads, interruptGraceMs: o.interruptGraceMs, [kMaxErrorBytes]: maxErrorBytes };
  const pool = new ThreadPoolExecutor(poolOptions);
  const runner = new JobRunner(pool, allowlist, o.maxPayloadBytes);
  try {
    // The raw bytes: with no 'message' listener ioredis makes no strings, and an oversized message is dropped unread.
    subscriber.on('messageBuffer', (_channel: unknown, jobId: unknown) => runner.interrupt(jobId));
    await subscriber.subscribe(interruptChannel(o.prefix, o.queueName));
    const { Worker } = loadBullmq();
    const worker = new Worker<JobData, string>(o.queueName, (job: Job<JobData>) => runner.run(job), {
      connection: bullConnection(o.connection, o.connectTimeout),
      prefix: o.prefix,
      concurrency: o.concurrency,
      lockDuration: o.lockDuration,
      stalledInterval: o.stalledInterval,
      maxStalledCount: o.maxStalledCount,
      name: o.name,
    });
    // Connection trouble is retried by ioredis; failed jobs are reported to their producers.
    worker.on('error', () => undefined);
    await worker.waitUntilReady();
    let closing: Promise<void> | undefined;
    const close = (): Promise<void> =>
      (closing ??= (async () => {
        await worker.close();
        await pool.shutdown();
        await Promise.all([closeClient(subscriber), closeClient(client)]);
      })());
    return { concurrency: o.concurrency, threads: o.threads, close, [Symbol.asyncDispose]: close };
  } catch (error) {
    await pool.shutdown({ cancelFutures: true });
    subscriber.disconnect();
    client.disconnect();
    throw error instanceof BrokenQueue ? error : new BrokenQueue(`startQueueWorker: could not start: ${(error as Error).message}`, { cause: error });
  }
}
