/**
 * examples/http-ndjson end to end, run as users run it: its own process
 * (`node --import tsx server.mts` in its folder, so 'rxfutures' is the built
 * ESM entry), real HTTP, a client that leaves mid-stream.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import path from 'node:path';
import { within } from '../helpers/within';

const folder = path.join(__dirname, '../../examples/http-ndjson');
// 2^89 - 1, a Mersenne prime: trial division would take days, so only an interrupt ends its call.
const kForever = 618970019642690137449562111n;

/** The oracle: trial division on numbers, written apart from the example's bigint task. */
function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

interface Stats {
  queued: number;
  running: number;
  maxWorkers: number;
  started: number;
}

describe('examples/http-ndjson', () => {
  let server: ChildProcess;
  let base: string;

  beforeAll(async () => {
    server = spawn(process.execPath, ['--import', 'tsx', 'server.mts'], { cwd: folder, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const listening = new Promise<string>((resolve, reject) => {
      server.stdout!.on('data', (chunk: Buffer) => {
        out += chunk;
        const address = /listening on (http:\/\/\S+)/.exec(out);
        if (address) resolve(address[1]);
      });
      server.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening`)));
    });
    base = await within(listening, 30_000, 'the server listening');
  }, 40_000);

  afterAll(async () => {
    if (server.exitCode !== null) return;
    const exited = once(server, 'exit');
    server.kill('SIGTERM');
    await within(exited, 20_000, 'the server exiting on SIGTERM');
  }, 30_000);

  /** GET `path`: the status and the whole body. */
  async function get(pathAndQuery: string): Promise<{ status: number; body: string }> {
    const res = await fetch(base + pathAndQuery);
    return { status: res.status, body: await res.text() };
  }

  /**
   * The server's pool stats once `ok` holds. The pool has no event for that,
   * so this asks /stats every 20 ms, with a generous deadline.
   */
  async function statsWhen(ok: (s: Stats) => boolean, what: string): Promise<Stats> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const stats = JSON.parse((await get('/stats')).body) as Stats;
      if (ok(stats)) return stats;
      if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(stats)} after 20 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('should stream one NDJSON line per number, in the order asked', async () => {
    // The first number takes the longest, so the later answers are ready first and must wait for it.
    const numbers = [999_999_999_989, 2, 15, 97, 1_000_037, 1_000_039, 0];
    const { status, body } = await get(`/primes?n=${numbers.join(',')}`);
    expect(status).toBe(200);
    expect(body.trimEnd().split('\n').map((line) => JSON.parse(line))).toEqual(numbers.map((n) => ({ n: String(n), prime: isPrime(n) })));
  });

  it('should answer 400 to a query it will not run', async () => {
    for (const query of ['n=', 'n=1,-2', 'n=1e9', `n=${'1'.repeat(41)}`, `n=${Array.from({ length: 101 }, () => '7').join(',')}`, 'n=2&n=3', '']) {
      expect((await get(`/primes?${query}`)).status).toBe(400);
    }
  });

  it('should interrupt the running calls when the client disconnects', async () => {
    const before = await statsWhen(() => true, 'stats');
    const numbers = [2n, kForever, kForever, kForever, kForever];
    const req = http.get(`${base}/primes?n=${numbers.join(',')}`);
    req.on('error', () => undefined); // the destroy below
    const response = await within(once(req, 'response'), 20_000, 'the response');
    (response[0] as http.IncomingMessage).resume();
    // 2 answered, and every thread of the pool is on an endless call.
    const least = before.started + Math.min(numbers.length, 1 + before.maxWorkers);
    const busy = await statsWhen((s) => s.started >= least, 'calls started');
    expect(busy.running).toBeGreaterThan(0);

    req.destroy();

    await statsWhen((s) => s.running === 0 && s.queued === 0, 'calls still running after the client left');
  }, 60_000);

  it('should shut down on SIGTERM, its threads with it', async () => {
    const exited = once(server, 'exit');
    server.kill('SIGTERM');
    const [code, signal] = await within(exited, 20_000, 'the server exiting on SIGTERM');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  }, 30_000);
});
