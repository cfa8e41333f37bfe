/**
 * The `rxfutures-worker` command: one queue worker process.
 *
 *     rxfutures-worker --redis redis://10.0.0.5:6379 --queue thumbnails [--concurrency 8]
 *
 * SIGTERM or SIGINT lets running jobs finish and exits; a second one exits at once.
 */
import { parseArgs } from 'node:util';
import { startQueueWorker } from './startQueueWorker';

const kUsage = `usage: rxfutures-worker --redis URL --queue NAME [options]

  --redis URL               Redis to serve (default: $REDIS_URL)
  --queue NAME              the queue's name, as given to QueueExecutor
  --concurrency N           jobs taken at once (default: --threads)
  --threads N               worker threads running tasks (default: available cores)
  --prefix P                BullMQ key prefix (default: bull)
  --lock-duration MS        a dead worker's jobs are retried after this (default: 30000)
  --stalled-interval MS     how often to look for dead workers' jobs (default: 30000)
  --max-stalled-count N     retries after worker deaths before a job fails (default: 1)
  --connect-timeout MS      give up if Redis does not answer within this (default: 10000)
  --max-payload-bytes N     largest serialised result (default: 67108864)
  --name NAME               worker name shown in dashboards
`;

/**
 * Runs the command.
 *
 * @example
 * ```ts
 * require('rxfutures/dist/cjs/queue/cli.js').main(['--redis', 'redis://127.0.0.1:6379', '--queue', 'q']);
 * ```
 * @param argv - the arguments after the command name
 * @returns the exit code once the worker stopped (0) or failed to start (1, 2 for usage)
 */
export async function main(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        redis: { type: 'string' },
        queue: { type: 'string' },
        concurrency: { type: 'string' },
        threads: { type: 'string' },
        prefix: { type: 'string' },
        'lock-duration': { type: 'string' },
        'stalled-interval': { type: 'string' },
        'max-stalled-count': { type: 'string' },
        'connect-timeout': { type: 'string' },
        'max-payload-bytes': { type: 'string' },
        name: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`rxfutures-worker: ${(error as Error).message}\n${kUsage}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(kUsage);
    return 0;
  }
  const redis = (values.redis as string | undefined) ?? process.env.REDIS_URL;
  const queue = values.queue as string | undefined;
  if (!redis || !queue) {
    process.stderr.write(`rxfutures-worker: --redis and --queue are required\n${kUsage}`);
    return 2;
  }
  const number = (key: string): number | undefined => (values[key] === undefined ? undefined : Number(values[key]));
  let worker;
  try {
    worker = await startQueueWorker({
      connection: redis,
      queueName: queue,
      concurrency: number('concurrency'),
      threads: number('threads'),
      prefix: values.prefix as string | undefined,
      lockDuration: number('lock-duration'),
      stalledInterval: number('stalled-interval'),
      maxStalledCount: number('max-stalled-count'),
      connectTimeout: number('connect-timeout'),
      maxPayloadBytes: number('max-payload-bytes'),
      name: values.name as string | undefined,
    });
  } catch (error) {
    process.stderr.write(`rxfutures-worker: ${(error as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`rxfutures-worker: serving queue ${queue} (pid ${process.pid}, concurrency ${worker.concurrency}, threads ${worker.threads})\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.once('SIGTERM', () => process.exit(130));
      process.once('SIGINT', () => process.exit(130));
      void worker.close().then(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return 0;
}
