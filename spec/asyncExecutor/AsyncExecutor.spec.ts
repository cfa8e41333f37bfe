import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { AsyncExecutor, CancelledError, asCompleted, currentAbortSignal, type Future } from '../../lib';

/** A promise and its resolver, for tasks the spec finishes by hand. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Resolves when `signal` fires, with its reason. */
function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), { once: true }));
}

/** @test {AsyncExecutor} */
describe('AsyncExecutor', () => {
  let io: AsyncExecutor;
  afterEach(async () => {
    await io?.shutdown({ cancelFutures: true });
  });

  it('should default maxWorkers to min(32, availableParallelism() + 4), as Python', () => {
    io = new AsyncExecutor();
    expect(io.maxWorkers).toBe(Math.min(32, availableParallelism() + 4));
  });

  it('should never run more than maxWorkers tasks at once, and start them in FIFO order', async () => {
    io = new AsyncExecutor({ maxWorkers: 3 });
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const futures = Array.from({ length: 40 }, (_, i) =>
      io.submit(async () => {
        started.push(i);
        running += 1;
        peak = Math.max(peak, running);
        for (let k = 0; k < i % 4; k++) await new Promise((resolve) => setImmediate(resolve));
        running -= 1;
        return i;
      }),
    );
    expect(await Promise.all(futures)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(peak).toBe(3);
    expect(started).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('should never run a task inside submit: the future is pending when submit returns', async () => {
    io = new AsyncExecutor({ maxWorkers: 1 });
    let ran = false;
    const f = io.submit(() => {
      ran = true;
      return 1;
    });
    expect(f.state).toBe('pending');
    expect(ran).toBe(false);
    expect(await f).toBe(1);
    expect(io.stats).toEqual({ queued: 0, running: 0 });
  });

  it('should fail a future with what a synchronous task throws', async () => {
    io = new AsyncExecutor({ maxWorkers: 1 });
    const error = new SyntaxError('sync');
    expect(await io.submit(() => { throw error; }).exception()).toBe(error);
  });

  describe('currentAbortSignal', () => {
    it('should fire the running task’s signal on interrupt, through awaits and timers, while the future is cancelled at once', async () => {
      io = new AsyncExecutor({ maxWorkers: 1 });
      const gotSignal = deferred<AbortSignal>();
      const f = io.submit(async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        const signal = currentAbortSignal();
        gotSignal.resolve(signal);
        return aborted(signal).then(() => 'ignored after cancel');
      });
      const signal = await gotSignal.promise;
      expect(signal.aborted).toBe(false);
      expect(f.cancel({ interrupt: true })).toBe(true);
      expect(f.state).toBe('cancelled');
      expect(signal.aborted).toBe(true);
      expect(signal.reason).toBeInstanceOf(CancelledError);
      await expect(f.result()).rejects.toBeInstanceOf(CancelledError);
    });

    it('should give each task its own signal, and outside a task one that never fires', async () => {
      io = new AsyncExecutor({ maxWorkers: 2 });
      const outside = currentAbortSignal();
      expect(outside.aborted).toBe(false);
      const signals = await Promise.all([io.submit(() => currentAbortSignal()), io.submit(async () => currentAbortSignal())]);
      expect(signals[0]).not.toBe(signals[1]);
      expect(signals).not.toContain(outside);
    });

    it('should keep the slot of a task that ignores its signal until it settles', async () => {
      io = new AsyncExecutor({ maxWorkers: 1 });
      const finish = deferred();
      const stubborn = io.submit(() => finish.promise);
      const next = io.submit(() => 'next');
      await new Promise((resolve) => setImmediate(resolve));
      expect(stubborn.cancel({ interrupt: true })).toBe(true);
      await new Promise((resolve) => setImmediate(resolve));
      expect(next.state).toBe('pending'); // the stubborn task still runs: maxWorkers holds
      finish.resolve();
      expect(await next).toBe('next');
    });
  });

  describe('stream', () => {
    it('should run a generator only as far as the consumer pulls', async () => {
      io = new AsyncExecutor({ maxWorkers: 1 });
      const produced: number[] = [];
      const it = io.stream(function* () {
        for (let i = 0; i < 100; i++) {
          produced.push(i);
          yield i;
        }
      });
      expect(await it.next()).toEqual({ value: 0, done: false });
      expect(await it.next()).toEqual({ value: 1, done: false });
      expect(produced).toEqual([0, 1]);
      await it.return!();
    });

    it('should abort the generator’s signal and run its finally blocks on return()', async () => {
      io = new AsyncExecutor({ maxWorkers: 1 });
      const events: string[] = [];
      let signal: AbortSignal | undefined;
      const it = io.stream(async function* () {
        signal = currentAbortSignal();
        try {
          yield 'first';
          await aborted(signal);
          yield 'never';
        } finally {
          events.push('finally');
        }
      });
      expect(await it.next()).toEqual({ value: 'first', done: false });
      await it.return!();
      expect(signal?.aborted).toBe(true);
      expect(await io.submit(() => 'slot free')).toBe('slot free');
      expect(events).toEqual(['finally']);
    });

    it('should throw CancelledError from a stream cancelled before it ran', async () => {
      io = new AsyncExecutor({ maxWorkers: 1 });
      const finish = deferred();
      io.submit(() => finish.promise);
      const it = io.stream(function* () {
        yield 1;
      });
      const closing = io.shutdown({ cancelFutures: true });
      await expect(it.next()).rejects.toBeInstanceOf(CancelledError);
      finish.resolve();
      await closing;
    });
  });

  it('should load URLs and report each as it completes (Python’s ThreadPoolExecutor example, on the event loop)', async () => {
    const server = http.createServer((req, res) => {
      if (req.url === '/hang') return; // never answers: only the abort ends this request
      res.end('x'.repeat(Number(req.url!.slice(1))));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      io = new AsyncExecutor({ maxWorkers: 5 });
      const loadUrl = async (url: string): Promise<number> => (await (await fetch(url, { signal: currentAbortSignal() })).text()).length;
      const urls = [`${base}/1000`, `${base}/25000`, `${base}/7`];
      const urlOf = new Map<Future<number>, string>(urls.map((url) => [io.submit(loadUrl, url), url]));
      const report = new Map<string, number>();
      for await (const done of asCompleted(urlOf.keys())) {
        const future = done as unknown as Future<number>;
        report.set(urlOf.get(future)!, await future.result());
      }
      expect(report).toEqual(new Map([[`${base}/1000`, 1000], [`${base}/25000`, 25000], [`${base}/7`, 7]]));
      // A request that never answers is aborted by interrupt.
      const hanging = io.submit(loadUrl, `${base}/hang`);
      await new Promise((resolve) => server.once('request', resolve));
      hanging.cancel({ interrupt: true });
      await io.shutdown({ wait: true }); // resolves: the fetch was aborted
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
