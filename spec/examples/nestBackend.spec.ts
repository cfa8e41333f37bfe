/**
 * examples/nest-backend end to end: the real Nest app from @nestjs/testing,
 * its real thread pool, over real HTTP (supertest, and node:http for a client
 * that leaves mid-stream).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { ShutdownError, type ThreadPoolExecutor } from 'rxfutures';
import { AppModule } from '../../examples/nest-backend/AppModule';
import { PrimesService } from '../../examples/nest-backend/PrimesService';
import { isPrime } from '../../examples/nest-backend/tasks';
import { within } from '../helpers/within';

// 2^89 - 1, a Mersenne prime: trial division would take days, so only an interrupt ends its call.
const kForever = 618970019642690137449562111n;

/** The `data:` payloads of a server-sent event stream. */
function events(text: string): unknown[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice('data: '.length)));
}

/** Resolves once `counter[0]` reaches `least` (Atomics.waitAsync on each change: no polling). */
async function counterReaches(counter: Int32Array, least: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (let value = Atomics.load(counter, 0); value < least; value = Atomics.load(counter, 0)) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`only ${value} of ${least} calls started within 20 s`);
    const wait = Atomics.waitAsync(counter, 0, value, left);
    if (wait.async) await wait.value;
  }
}

/**
 * Resolves once the pool runs and queues nothing. The pool has no event for
 * that, so this looks at its stats every 20 ms; the deadline is generous
 * (the calls it waits out would otherwise run for days).
 */
async function poolIdle(pool: ThreadPoolExecutor): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (pool.stats.running > 0 || pool.stats.queued > 0) {
    if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(pool.stats)} 20 s after the client left`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('examples/nest-backend', () => {
  let app: INestApplication;
  let closed: boolean;

  beforeEach(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    closed = false;
  });

  afterEach(async () => {
    if (!closed) await app.close();
  });

  it('should stream the answers as server-sent events in the order asked', async () => {
    // The first number takes the longest, so the later answers are ready first and must wait for it.
    const numbers = [999_999_999_989n, 2n, 15n, 97n, 1_000_037n, 1_000_039n, 1_099_726_899_285_419n, 0n];
    const res = await request(app.getHttpServer())
      .get('/primes')
      .query({ n: numbers.join(',') })
      .expect(200)
      .expect('content-type', /^text\/event-stream/);
    expect(events(res.text)).toEqual(numbers.map((n) => ({ n: String(n), prime: isPrime(n) })));
  });

  it('should answer 400 to a query it will not run', async () => {
    for (const n of ['', '1,-2', '1e9', '1'.repeat(41), Array.from({ length: 101 }, () => '7').join(',')]) {
      await request(app.getHttpServer()).get('/primes').query({ n }).expect(400);
    }
    await request(app.getHttpServer()).get('/primes?n=2&n=3').expect(400);
    expect(app.get(PrimesService).pool.stats.completed).toBe(0);
  });

  it('should interrupt the running calls when the client disconnects', async () => {
    const { started, pool } = app.get(PrimesService);
    const { port } = app.getHttpServer().address() as AddressInfo;
    const numbers = [2n, kForever, kForever, kForever, kForever];
    const req = http.get(`http://127.0.0.1:${port}/primes?n=${numbers.join(',')}`);
    req.on('error', () => undefined); // the destroy below
    const response = await within(new Promise<http.IncomingMessage>((resolve) => req.once('response', resolve)), 20_000, 'the response');
    response.resume();
    // 2 answered, and every thread of the pool is on an endless call.
    await counterReaches(started, Math.min(numbers.length, 1 + pool.maxWorkers));
    expect(pool.stats.running).toBeGreaterThan(0);

    req.destroy();

    await poolIdle(pool);
    expect(pool.stats).toMatchObject({ running: 0, queued: 0 });
  }, 60_000);

  it('should shut the pool down on app.close()', async () => {
    const { pool } = app.get(PrimesService);
    await request(app.getHttpServer()).get('/primes?n=97').expect(200);
    expect(pool.stats.workers).toBeGreaterThan(0);

    closed = true;
    await app.close();

    expect(pool.stats.workers).toBe(0);
    expect(() => pool.submit((x: number) => x, 1)).toThrow(ShutdownError);
  });
});
