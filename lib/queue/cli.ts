/**
 * The `rxfutures-worker` command: one queue worker process.
 *
 *     REDIS_URL=redis://10.0.0.5:6379 rxfutures-worker --queue thumbnails --tasks /srv/app/tasks.js [--concurrency 8]
 *
 * The Redis URL comes from `--redis-url-file`, `$REDIS_URL` or `--redis`
 * (in that order): a password on the command line is visible to every
 * local user in `ps`, so the first two are the documented ways.
 *
 * SIGTERM or SIGINT lets running jobs finish and exits; a second one exits at once.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeConnection } from './connectRedis';
import type { QueueConnection } from './options';
import { startQueueWorker } from './startQueueWorker';
import { cliTaskEntries } from './TaskAllowlist';

const kUsage = `usage: rxfutures-worker --queue NAME --tasks MODULE[,MODULE…] [options]
       (Redis from --redis-url-file FILE or $REDIS_URL)

  --queue NAME              the queue's name, as given to QueueExecutor
  --tasks LIST              required: the task modules this worker may run; repeatable.
                            LIST is modules separated by commas (./tasks.js,my-tasks), or one
                            module with the exports allowed after # (./tasks.js#resize,hash)
  --redis-url-file FILE     read the redis:// or rediss:// URL (with its password) from FILE
  --redis URL               Redis to serve (default: $REDIS_URL); a password here shows in ps
  --tls-ca FILE             PEM file of the CA that signed Redis's TLS certificate
  --concurrency N           jobs taken at once (default: --threads)
  --threads N               worker threads running tasks (default: available cores)
  --prefix P                BullMQ key prefix (default: bull)
  --lock-duration MS        a dead worker's jobs are retried after this (default: 30000)
  --stalled-interval MS     how often to look for dead workers' jobs (default: 30000)
  --max-stalled-count N     retries after worker deaths before a job fails (default: 1)
  --connect-timeout MS      give up if Redis does not answer within this (default: 10000)
  --max-payload-bytes N     largest serialised arguments or result (default: 67108864)
  --interrupt-grace-ms MS   an interrupted task that ends within this keeps its thread;
                            one that does not is terminated (default: 100; Infinity: never)
  --name NAME               worker name shown in dashboards
`;

/**
 * Runs the command.
 *
 * @example
 * ```ts
 * process.env.REDIS_URL = 'redis://127.0.0.1:6379';
 * require('rxfutures/dist/cjs/queue/cli.js').main(['--queue', 'q', '--tasks', '/srv/app/tasks.js']);
 * ```
 * @param argv - the arguments after the command name
 * @param env - where `REDIS_URL` is read
 * @returns the exit code once the worker stopped (0) or failed to start (1; 2 for usage)
 */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        redis: { type: 'string' },
        'redis-url-file': { type: 'string' },
        'tls-ca': { type: 'string' },
        queue: { type: 'string' },
        tasks: { type: 'string', multiple: true },
        concurrency: { type: 'string' },
        threads: { type: 'string' },
        prefix: { type: 'string' },
        'lock-duration': { type: 'string' },
        'stalled-interval': { type: 'string' },
        'max-stalled-count': { type: 'string' },
        'connect-timeout': { type: 'string' },
        'max-payload-bytes': { type: 'string' },
        'interrupt-grace-ms': { type: 'string' },
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
  const queue = values.queue as string | undefined;
  let connection: QueueConnection;
  try {
    connection = cliConnection(values, env);
  } catch (error) {
    process.stderr.write(`rxfutures-worker: ${(error as Error).message}\n`);
    return 2;
  }
  if (!queue) {
    process.stderr.write(`rxfutures-worker: --queue is required\n${kUsage}`);
    return 2;
  }
  const tasks = cliTaskEntries((values.tasks as string[] | undefined) ?? []);
  if (tasks.length === 0) {
    process.stderr.write(
      'rxfutures-worker: refusing to start without --tasks: whoever can write to the Redis queue can name any module in a job, ' +
        'so a worker runs only the task modules it is given (e.g. --tasks /srv/app/tasks.js or --tasks my-tasks#resize,hash)\n',
    );
    return 1;
  }
  if (typeof values.redis === 'string' && hasPassword(values.redis)) {
    process.stderr.write('rxfutures-worker: warning: the --redis URL holds a password, which every local user can read in ps; use --redis-url-file or $REDIS_URL\n');
  }
  const number = (key: string): number | undefined => (values[key] === undefined ? undefined : Number(values[key]));
  let worker;
  try {
    worker = await startQueueWorker({
      connection,
      queueName: queue,
      tasks,
      concurrency: number('concurrency'),
      threads: number('threads'),
      prefix: values.prefix as string | undefined,
      lockDuration: number('lock-duration'),
      stalledInterval: number('stalled-interval'),
      maxStalledCount: number('max-stalled-count'),
      connectTimeout: number('connect-timeout'),
      maxPayloadBytes: number('max-payload-bytes'),
      interruptGraceMs: number('interrupt-grace-ms'),
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

/** The connection from --redis-url-file, $REDIS_URL or --redis, with --tls-ca's CA if given. */
function cliConnection(values: Record<string, unknown>, env: NodeJS.ProcessEnv): QueueConnection {
  let url: string | undefined;
  const file = values['redis-url-file'] as string | undefined;
  if (file !== undefined) {
    try {
      url = readFileSync(file, 'utf8').trim();
    } catch (error) {
      throw new Error(`cannot read --redis-url-file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  url ??= (values.redis as string | undefined) ?? env.REDIS_URL;
  if (!url) throw new Error(`no Redis to serve: give --redis-url-file FILE, set REDIS_URL, or --redis URL\n${kUsage}`);
  if (!/^rediss?:\/\//.test(url)) throw new Error(`the Redis URL must start with redis:// or rediss://, got ${describeConnection(url)}`);
  const caFile = values['tls-ca'] as string | undefined;
  if (caFile === undefined) return url;
  let ca: Buffer;
  try {
    ca = readFileSync(caFile);
  } catch (error) {
    throw new Error(`cannot read --tls-ca ${caFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return connectionOptions(url, ca);
}

/** ioredis options from a URL, with TLS verified against `ca`. */
function connectionOptions(url: string, ca: Buffer): QueueConnection {
  const u = new URL(url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: Number.isInteger(db) ? db : undefined,
    tls: { ca, servername: u.hostname },
  };
}

function hasPassword(url: string): boolean {
  try {
    return new URL(url).password !== '';
  } catch {
    return false;
  }
}
