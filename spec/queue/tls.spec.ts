/**
 * The queue over TLS (issue #13), as docs/distributed.md deploys it: a
 * redis-server serving TLS only, with a throwaway CA and certificate made by
 * openssl; a producer given the CA in its connection options, and a worker
 * started with the rxfutures-worker command, its rediss:// URL in a file
 * (`--redis-url-file`) and the CA in another (`--tls-ca`).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueExecutor } from '../../lib';
import { describeWithRedis, hasOpenssl, makeTlsFiles, startRedisServer, type RedisServer, type TlsFiles } from '../helpers/redis';
import { kTasksPath, tasks, untilServing } from './harness';

const kCli = join(__dirname, '../../bin/rxfutures-worker.js');

describeWithRedis('QueueExecutor over TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rxfutures-tls-'));
  const children: ChildProcess[] = [];
  let files: TlsFiles;
  let redis: RedisServer;
  let urlFile: string;

  beforeAll(async () => {
    if (!hasOpenssl()) throw new Error('openssl is not installed: apt-get install -y openssl (it makes the spec\'s throwaway CA)');
    files = makeTlsFiles(dir);
    redis = await startRedisServer({ tls: files });
    urlFile = join(dir, 'redis-url');
    writeFileSync(urlFile, `${redis.url}\n`, { mode: 0o600 });
  });
  afterEach(() => children.splice(0).forEach((c) => c.kill('SIGKILL')));
  afterAll(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should run a job from a producer with the CA in its options on a CLI worker given --redis-url-file and --tls-ca', async () => {
    expect(redis.url).toMatch(/^rediss:\/\/localhost:\d+$/);
    const queueName = 'tls-round-trip';
    await startWorker(['--redis-url-file', urlFile, '--tls-ca', files.ca, '--queue', queueName, '--tasks', kTasksPath, '--threads', '1']);
    const { hostname, port } = new URL(redis.url);
    const executor = new QueueExecutor({ connection: { host: hostname, port: Number(port), tls: { ca: readFileSync(files.ca) } }, queueName });
    try {
      expect(await executor.submit(tasks.double, 21).result(30_000)).toBe(42);
      expect(await executor.submit(tasks.whoAmI).result(30_000)).toBe(children[0].pid);
    } finally {
      await executor.shutdown({ cancelFutures: true });
    }
  });

  it('should refuse to start a worker without the CA with an error naming the certificate, within its connect timeout', async () => {
    const started = Date.now();
    const { code, stderr } = await run(['--redis-url-file', urlFile, '--queue', 'q', '--tasks', kTasksPath, '--threads', '1', '--connect-timeout', '2000']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/cannot reach Redis at rediss:\/\/localhost:\d+\/? within 2000 ms \(.*certificate/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('should refuse a producer without the CA with BrokenQueue naming the certificate', async () => {
    const executor = new QueueExecutor({ connection: redis.url, queueName: 'no-ca', connectTimeout: 2000 });
    try {
      await expect(executor.ready()).rejects.toThrow(/cannot reach Redis .*certificate/);
    } finally {
      await executor.shutdown();
    }
  });

  async function startWorker(args: string[]): Promise<ChildProcess> {
    const { REDIS_URL: _ignored, ...env } = process.env;
    const child = spawn(process.execPath, [kCli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    await untilServing(child);
    return child;
  }
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { REDIS_URL: _ignored, ...env } = process.env;
  return new Promise((resolve) => {
    execFile(process.execPath, [kCli, ...args], { timeout: 20_000, env }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}
