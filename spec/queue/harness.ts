/**
 * Shared set-up of the queue specs: a redis-server of their own, a fresh
 * queue name per test, in-process workers, and the fixture tasks.
 */
import type { ChildProcess } from 'node:child_process';
import IORedis from 'ioredis';
import { QueueExecutor, startQueueWorker, taskModule, type QueueExecutorOptions, type QueueWorker, type QueueWorkerOptions } from '../../lib';
import { startRedisServer, type RedisServer } from '../helpers/redis';

/** The fixture tasks (spec/fixtures/queueTasks.js). */
export const kTasksPath = require.resolve('../fixtures/queueTasks.js');
export const tasks = taskModule<typeof import('../fixtures/queueTasks')>(kTasksPath);

let queueCount = 0;

/** Everything a queue spec needs; call in a describe body (it registers beforeAll/afterAll). */
export function useQueueHarness() {
  const h = {
    redis: undefined as unknown as RedisServer,
    /** A client for the spec's own Redis commands (sync lists). */
    client: undefined as unknown as IORedis,
    queueName: '',
    /** Opened in the test; closed after it. */
    opened: [] as Array<{ shutdown?: () => Promise<void>; close?: () => Promise<void> }>,
    /** A new QueueExecutor on this test's queue. */
    executor(options: Partial<QueueExecutorOptions> = {}): QueueExecutor {
      const ex = new QueueExecutor({ connection: h.redis.url, queueName: h.queueName, maxWorkers: 4, ...options });
      h.opened.push({ shutdown: () => ex.shutdown({ cancelFutures: true }) });
      return ex;
    },
    /** A worker in this process on this test's queue; dead workers' jobs are retried within ~1.5 s. */
    async worker(options: Partial<QueueWorkerOptions> = {}): Promise<QueueWorker> {
      const w = await startQueueWorker(workerOptions(h.redis.url, h.queueName, options));
      h.opened.push(w);
      return w;
    },
    /**
     * One worker (as {@link worker} makes) for every test of the calling
     * describe, on one queue: call in its body. A fresh worker's thread and
     * its first job cost ~0.1 s of CPU; a test on a warm one ~0.02 s. Only
     * for tests that finish their jobs, keep its threads (no interrupt that
     * replaces one) and need no fresh queue (no counts of the queue's jobs).
     */
    shareWorker(options: Partial<QueueWorkerOptions> = {}): void {
      let queueName = '';
      let shared: QueueWorker | undefined;
      beforeAll(async () => {
        queueCount += 1;
        queueName = `spec-${process.pid}-${queueCount}-shared`;
        shared = await startQueueWorker(workerOptions(h.redis.url, queueName, options));
      });
      // After the harness's own beforeEach: the describe's tests use the shared worker's queue.
      beforeEach(() => {
        h.queueName = queueName;
      });
      afterAll(async () => {
        await shared?.close();
      });
    },
    /** Resolves with the pid pushed when a task signalled `<key>:started`. */
    async started(key: string, timeoutSeconds = 20): Promise<string> {
      const reply = await h.client.blpop(`${key}:started`, timeoutSeconds);
      if (reply === null) throw new Error(`${key} did not start within ${timeoutSeconds} s`);
      return reply[1];
    },
    release(key: string): Promise<number> {
      return h.client.rpush(`${key}:release`, '1');
    },
  };
  beforeAll(async () => {
    h.redis = await startRedisServer();
    h.client = new IORedis(h.redis.url, { maxRetriesPerRequest: null });
    h.client.on('error', () => undefined);
  });
  beforeEach(() => {
    queueCount += 1;
    h.queueName = `spec-${process.pid}-${queueCount}`;
  });
  afterEach(async () => {
    const opened = h.opened.splice(0);
    // Producers first (they cancel what is left), then workers.
    await Promise.all(opened.filter((o) => o.shutdown).map((o) => o.shutdown!()));
    await Promise.all(opened.filter((o) => o.close).map((o) => o.close!()));
  });
  afterAll(async () => {
    h.client?.disconnect();
    await h.redis?.stop();
  });
  return h;
}

/** The options of the harness's workers: one thread, four jobs at once, dead workers' jobs retried within ~1.5 s. */
function workerOptions(url: string, queueName: string, options: Partial<QueueWorkerOptions>): QueueWorkerOptions {
  return { connection: url, queueName, tasks: [kTasksPath], threads: 1, concurrency: 4, lockDuration: 1000, stalledInterval: 500, ...options };
}

/**
 * Resolves once a spawned `rxfutures-worker` says it is serving its queue;
 * rejects with everything it printed if it exits first.
 */
export function untilServing(child: ChildProcess): Promise<void> {
  let output = '';
  return new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('serving queue')) resolve();
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${output}`)));
  });
}
