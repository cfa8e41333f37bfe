/**
 * QueueExecutor as a case of the shared executor suite (spec/executors):
 * `make()` is synchronous there, so each executor gets a fresh queue and an
 * in-process worker (concurrency and threads = maxWorkers) started in the
 * background; jobs wait in Redis until it is up. One redis-server per test
 * file, started on first use and stopped after the file.
 *
 * Declared differences: module tasks only (no inline functions, no
 * closures); arguments cross a process boundary; interrupt stops synchronous
 * code (cooperatively first, the worker's thread replaced only after its
 * grace, spec/queue/interrupt.spec.ts); a dead worker fails nothing (its
 * jobs run again elsewhere). `maxWorkers` is the worker's concurrency here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueExecutor, startQueueWorker, type Executor, type QueueWorker, type ShutdownOptions } from '../../lib';

// The shared suite's task module: the only one its workers may run.
const kExecutorTasks = require.resolve('../fixtures/executorTasks');

let server: { child: ChildProcess; url: string } | undefined;
let count = 0;

function redisUrl(): string {
  if (server === undefined) {
    // A port from a wide random range; connectTimeout covers redis-server's start-up.
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    const dir = mkdtempSync(join(tmpdir(), 'rxfutures-redis-'));
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    server = { child, url: `redis://127.0.0.1:${port}` };
  }
  return server.url;
}

afterAll(async () => {
  const child = server?.child;
  server = undefined;
  if (child === undefined || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
});

/**
 * An `ExecutorCase` (spec/executors/executorCases.ts) for QueueExecutor.
 *
 * @example
 * ```ts
 * export const executorCases = [ ...theOthers, queueExecutorCase ];
 * ```
 */
export const queueExecutorCase = {
  name: 'QueueExecutor',
  make(options?: { maxWorkers?: number }): Executor {
    const maxWorkers = options?.maxWorkers ?? 2;
    count += 1;
    const queueName = `shared-${process.pid}-${count}`;
    const connection = redisUrl();
    const executor = new QueueExecutor({ connection, queueName, maxWorkers, connectTimeout: 10_000 });
    const valid = Number.isInteger(maxWorkers) && maxWorkers > 0;
    const worker: Promise<QueueWorker | undefined> = valid
      ? startQueueWorker({ connection, queueName, tasks: [kExecutorTasks], concurrency: maxWorkers, threads: maxWorkers, connectTimeout: 10_000 })
      : Promise.resolve(undefined);
    worker.catch(() => undefined);
    const shutdown = executor.shutdown.bind(executor);
    // The worker goes when the executor has shut down (in the background for wait: false).
    executor.shutdown = (shutdownOptions?: ShutdownOptions): Promise<void> => {
      const asked = shutdown(shutdownOptions);
      const closed = asked.then(() => shutdown()).then(async () => (await worker)?.close());
      if (shutdownOptions?.wait !== false) return closed;
      closed.catch(() => undefined);
      return asked;
    };
    return executor;
  },
  inlineFunctions: false,
  closures: false,
  crossesBoundary: true,
  interruptsSyncCode: true,
  workerDeathBreaksPool: false,
};
