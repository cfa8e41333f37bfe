'use strict';
/**
 * QueueExecutor on loopback Redis: throughput and latency with 1 and 2
 * rxfutures-worker processes, beside ThreadPoolExecutor(2) on the same task.
 * Starts its own redis-server (no persistence) on a free port; without
 * redis-server the suite is skipped with a note.
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { count, from, lastValueFrom } = require('rxjs');
const { QueueExecutor, ThreadPoolExecutor, mapOrdered$, task } = require('../../dist/cjs');
const { medianOf, mediansOfInterleaved, median, percentile, rate } = require('../lib');

const N = Number(process.env.BENCH_QUEUE_N ?? 5_000);
const LATENCY_N = Number(process.env.BENCH_QUEUE_LATENCY_N ?? 500);
const cli = path.join(__dirname, '../../bin/rxfutures-worker.js');
const double = task(path.join(__dirname, '../tasks/double.js'), 'double');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function waitForLine(child, text, what) {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes(text)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}: ${out}`)));
  });
}

async function startRedis() {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxfutures-bench-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await waitForLine(child, 'Ready to accept connections', 'redis-server');
  return { url: `redis://127.0.0.1:${port}`, stop: () => stopChild(child).then(() => fs.rmSync(dir, { recursive: true, force: true })) };
}

async function startWorkers(url, queueName, count) {
  const children = [];
  for (let i = 0; i < count; i++) {
    const child = spawn(process.execPath, [cli, '--queue', queueName, '--tasks', double.specifier, '--threads', '1', '--concurrency', '16'], {
      env: { ...process.env, REDIS_URL: url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    await waitForLine(child, 'serving queue', 'rxfutures-worker');
  }
  return () => Promise.all(children.map(stopChild));
}

function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

/** Submits n calls at once and awaits them all. */
function submitAll(executor, n) {
  return rate(n, () => Promise.all(Array.from({ length: n }, (_, i) => executor.submit(double, i))));
}

/** mapOrdered$ over n items with the given chunksize (its default window: 2 × maxWorkers chunks). */
function mapOrderedAll(executor, n, chunksize) {
  return rate(n, () => lastValueFrom(from(Array.from({ length: n }, (_, i) => i)).pipe(mapOrdered$(executor, double, { chunksize }), count())));
}

/** map over n items with the given chunksize. */
function mapAll(executor, n, chunksize) {
  return rate(n, async () => {
    for await (const _ of executor.map(double, Array.from({ length: n }, (_, i) => i), { chunksize, buffersize: 64 * chunksize })) void _;
  });
}

async function latency(executor) {
  for (let i = 0; i < 50; i++) await executor.submit(double, i);
  const us = [];
  for (let i = 0; i < LATENCY_N; i++) {
    const t0 = process.hrtime.bigint();
    await executor.submit(double, i);
    us.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return { p50: median(us), p99: percentile(us, 99) };
}

module.exports = async function queue() {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    console.log('queue: skipped, redis-server is not installed (apt-get install -y redis-server)');
    return [];
  }
  const rows = [];
  const add = (name, value, unit) => rows.push({ suite: 'queue', name, value, unit });
  const redis = await startRedis();
  try {
    for (const workers of [1, 2]) {
      const queueName = `bench-${workers}`;
      const stopWorkers = await startWorkers(redis.url, queueName, workers);
      const executor = new QueueExecutor({ connection: redis.url, queueName, maxWorkers: 16 * workers });
      try {
        await executor.ready();
        const label = `QueueExecutor, ${workers} worker process${workers > 1 ? 'es' : ''}`;
        add(`${label}: submit ×${N}`, await medianOf(() => submitAll(executor, N)), 'tasks/s');
        // Interleaved: their ratio is a target (run.js), and load drifting between two blocks of runs moved it.
        const [mapRate, orderedRate] = await mediansOfInterleaved([() => mapAll(executor, N * 4, 100), () => mapOrderedAll(executor, N * 4, 100)]);
        add(`${label}: map chunksize 100`, mapRate, 'items/s');
        add(`${label}: mapOrdered$ chunksize 100`, orderedRate, 'items/s');
        if (workers === 1) {
          const l = await latency(executor);
          add(`${label}: round trip p50`, l.p50, 'µs');
          add(`${label}: round trip p99`, l.p99, 'µs');
        }
      } finally {
        await executor.shutdown();
        await stopWorkers();
      }
    }
  } finally {
    await redis.stop();
  }
  const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
  add(`ThreadPoolExecutor(2): submit ×${N}`, await medianOf(() => submitAll(pool, N)), 'tasks/s');
  const l = await latency(pool);
  add('ThreadPoolExecutor(2): round trip p50', l.p50, 'µs');
  await pool.shutdown();
  return rows;
};
