import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { FIRST_COMPLETED, Future, ThreadPoolExecutor, asCompleted, taskModule, wait } from '../../lib';
import { Flags } from '../helpers/flags';

const fixture = path.join(__dirname, '../fixtures/pythonTasks.ts');
const tasks = taskModule<typeof import('../fixtures/pythonTasks')>(fixture);

/**
 * The main thread's own primality test, written differently from the
 * fixture's (6k ± 1 wheel): expectations are computed, never copied (SPEC §7).
 */
function isPrimeHere(n: number): boolean {
  if (n < 4) return n >= 2;
  if (n % 2 === 0 || n % 3 === 0) return false;
  for (let d = 5; d * d <= n; d += 6) {
    if (n % d === 0 || n % (d + 2) === 0) return false;
  }
  return true;
}

/** The futures of `asCompleted`, in the order it hands them out. */
async function completionOrder<T>(fs: Iterable<Future<T>>, onEach?: (f: Future<T>) => void): Promise<Future<T>[]> {
  const order: Future<T>[] = [];
  const it = asCompleted(fs, { timeout: 20_000 });
  for (let next = await it.next(); !next.done; next = await it.next()) {
    order.push(next.value);
    onEach?.(next.value);
  }
  return order;
}

/**
 * The examples of the Python documentation of concurrent.futures, ported:
 * https://docs.python.org/3/library/concurrent.futures.html
 */
describe('Python concurrent.futures examples on ThreadPoolExecutor', () => {
  let pool: ThreadPoolExecutor | undefined;
  afterEach(async () => {
    await pool?.shutdown({ cancelFutures: true });
    pool = undefined;
  });

  it('should run submit(pow, 323, 1235) and give its result (Executor.submit)', async () => {
    // with ThreadPoolExecutor(max_workers=1) as executor:
    //     future = executor.submit(pow, 323, 1235)
    //     print(future.result())
    await using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
    const future = executor.submit(tasks.pow, 323n, 1235n);
    expect(await future.result()).toBe(323n ** 1235n);
  });

  it('should check primes across the pool with map (the ProcessPoolExecutor example)', async () => {
    const PRIMES = [112272535095293, 112582705942171, 112272535095293, 115280095190773, 115797848077099, 1099726899285419];
    // Both are prime, although a widely copied version of this example says otherwise.
    const EXTRA = [1000037, 1000039, 1000033, 999999937, 2, 1, 0, 91];
    const numbers = [...PRIMES, ...EXTRA];
    expect(isPrimeHere(1000037) && isPrimeHere(1000039)).toBe(true);

    pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const answers: Array<[number, boolean, number]> = [];
    for await (const answer of pool.map(tasks.isPrimeOnThread, numbers)) answers.push(answer);

    expect(answers.map(([n]) => n)).toEqual(numbers);
    expect(answers.map(([, prime]) => prime)).toEqual(numbers.map(isPrimeHere));
    const threads = new Set(answers.map(([, , thread]) => thread));
    expect(threads.has(0)).toBe(false); // never the main thread
    expect(threads.size).toBeGreaterThanOrEqual(1);
    expect(threads.size).toBeLessThanOrEqual(2);
  });

  it('should yield map results in input order while later items finish first', async () => {
    const n = 4;
    // One worker per item, so all run at once and each can wait for the next.
    pool = new ThreadPoolExecutor({ maxWorkers: n });
    const flags = new Flags();
    const items = Array.from({ length: n }, (_, i) => ({ flags: flags.array, i, n }));
    const results: Array<{ item: number; rank: number }> = [];
    for await (const result of pool.map(tasks.finishAfterNextOf, items)) results.push(result);
    // Input order …
    expect(results.map((r) => r.item)).toEqual([0, 1, 2, 3]);
    // … although item i finished only after item i + 1: completion ranks run backwards.
    expect(results.map((r) => r.rank)).toEqual([3, 2, 1, 0]);
  });

  it('should hand out pool futures in completion order with asCompleted', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 3 });
    const flags = new Flags();
    // Task k blocks on slot k and announces itself on slot 10 + k.
    const futures = [0, 1, 2].map((k) => pool!.submit(tasks.blockUntil, flags.array, k, 10 + k, `task ${k}`));
    await Promise.all([10, 11, 12].map((slot) => flags.waitFor(slot)));
    const release = [2, 0, 1];
    let step = 0;
    flags.release(release[step]);
    const order = await completionOrder(futures, () => {
      step += 1;
      if (step < release.length) flags.release(release[step]);
    });
    expect(order).toEqual(release.map((k) => futures[k]));
    expect(await Promise.all(order.map((f) => f.result()))).toEqual(['task 2', 'task 0', 'task 1']);
  });

  it('should load URLs with a module task and report each as it completes (the ThreadPoolExecutor example)', async () => {
    // A local web server stands for the internet; one more URL points at a closed port.
    const server = http.createServer((req, res) => {
      if (req.url === '/missing') {
        res.writeHead(404, 'Not Found').end('nothing here');
        return;
      }
      const size = Number(req.url!.slice(1));
      res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(size));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const URLS = [`${base}/1000`, `${base}/25000`, `${base}/missing`, `${base}/7`, `http://127.0.0.1:${closedPort}/`];

      pool = new ThreadPoolExecutor({ maxWorkers: 2 });
      const urlOf = new Map<Future<number>, string>();
      for (const url of URLS) urlOf.set(pool.submit(tasks.loadUrl, url, 10_000), url);
      const report = new Map<string, string>();
      for (const future of await completionOrder(urlOf.keys())) {
        const url = urlOf.get(future)!;
        try {
          report.set(url, `page is ${await future.result()} bytes`);
        } catch (exc) {
          const error = exc as Error & { status?: number; cause?: { code?: string } };
          report.set(url, `generated an exception: ${error.name}: ${error.message}${error.cause?.code ? ` (${error.cause.code})` : ''}`);
        }
      }

      expect(report).toEqual(
        new Map([
          [`${base}/1000`, 'page is 1000 bytes'],
          [`${base}/25000`, 'page is 25000 bytes'],
          [`${base}/missing`, 'generated an exception: HTTPError: HTTP Error 404: Not Found'],
          [`${base}/7`, 'page is 7 bytes'],
          [`http://127.0.0.1:${closedPort}/`, 'generated an exception: TypeError: fetch failed (ECONNREFUSED)'],
        ]),
      );
      const httpError = (await [...urlOf].find(([, url]) => url.endsWith('/missing'))![0].exception()) as { status: number; url: string };
      expect(httpError).toMatchObject({ status: 404, url: `${base}/missing` });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('should run done callbacks in the order added, once, and at once when added after completion', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const flags = new Flags();
    const future = pool.submit(tasks.blockUntil, flags.array, 1, 0, 12);
    const log: string[] = [];
    future.addDoneCallback((f) => log.push(`first: ${f.state}`));
    future.addDoneCallback((f) => log.push(`second: ${f.resultNow()}`));
    const removed = (): void => {
      log.push('removed');
    };
    future.addDoneCallback(removed);
    expect(future.removeDoneCallback(removed)).toBe(1);
    await flags.waitFor(0);
    expect(log).toEqual([]);
    flags.release(1);
    expect(await future).toBe(12);
    expect(log).toEqual(['first: finished', 'second: 12']);
    future.addDoneCallback((f) => log.push(`late: ${f.done()}`));
    expect(log).toEqual(['first: finished', 'second: 12', 'late: true']);
  });

  it('should cancel a queued task (true) but not a running one (false) without interrupt', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const flags = new Flags();
    const running = pool.submit(tasks.blockUntil, flags.array, 1, 0, 'ran');
    const queued = pool.submit(tasks.square, 9);
    await flags.waitFor(0);
    expect(running.running()).toBe(true);
    expect(queued.state).toBe('pending');

    expect(queued.cancel()).toBe(true);
    expect(queued.cancelled()).toBe(true);
    expect(queued.done()).toBe(true);
    expect(running.cancel()).toBe(false);
    expect(running.running()).toBe(true);

    flags.release(1);
    expect(await running).toBe('ran');
    expect(running.cancelled()).toBe(false);
    await expect(queued.result()).rejects.toMatchObject({ name: 'CancelledError' });
    expect(pool.stats.completed).toBe(1); // the cancelled task never ran
  });

  it('should store a task exception and re-raise it from result()', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const future = pool.submit(tasks.parsePort, 'eighty');
    const stored = (await future.exception()) as Error;
    expect(stored.name).toBe('ValueError');
    expect(stored.message).toBe('invalid port: "eighty"');
    expect(stored.stack).toContain(fixture);
    expect(future.state).toBe('finished');
    // The same exception object, every time.
    await expect(future.result()).rejects.toBe(stored);
    await expect(future.then((v) => v)).rejects.toBe(stored);
    expect(future.exceptionNow()).toBe(stored);
    expect(() => future.resultNow()).toThrow(stored);
    expect(await pool.submit(tasks.parsePort, '8080')).toBe(8080);
  });

  it('should return from wait(FIRST_COMPLETED) as soon as one pool future is done', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const flags = new Flags();
    const slow = pool.submit(tasks.blockUntil, flags.array, 1, 0, 'slow');
    await flags.waitFor(0);
    const fast = pool.submit(tasks.square, 12);
    const { done, notDone } = await wait([slow, fast], { returnWhen: FIRST_COMPLETED, timeout: 20_000 });
    expect([...done]).toEqual([fast]);
    expect([...notDone]).toEqual([slow]);
    expect(fast.resultNow()).toBe(144);
    expect(slow.running()).toBe(true);
    flags.release(1);
    expect(await slow).toBe('slow');
  });

  it('should shut down at the end of a block with await using (the with statement)', async () => {
    let escaped: ThreadPoolExecutor;
    {
      await using executor = new ThreadPoolExecutor({ maxWorkers: 2 });
      escaped = executor;
      const squares = [];
      for await (const s of executor.map(tasks.square, [1, 2, 3, 4])) squares.push(s);
      expect(squares).toEqual([1, 4, 9, 16]);
    }
    expect(escaped.stats.workers).toBe(0);
    expect(() => escaped.submit(tasks.square, 2)).toThrow(/cannot schedule new futures after shutdown/);
  });
});
