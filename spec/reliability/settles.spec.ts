import { execFile } from 'node:child_process';
import path from 'node:path';
import { ThreadPoolExecutor, taskModule } from '../../lib';
import { kSubmitBatch } from '../../lib/internal/symbols';
import { within } from '../helpers/within';

const fixture = path.join(__dirname, '../fixtures/settlesTasks.ts');
const tasks = taskModule<typeof import('../fixtures/settlesTasks')>(fixture);

/** The future's exception (it must fail), within a guard against hangs. */
async function failureOf(future: PromiseLike<unknown> & { exception(): Promise<unknown> }, ms = 5000): Promise<any> {
  const error = await within(future.exception(), ms, 'the future settling');
  expect(error).toBeDefined();
  return error;
}

/** Everything a stream yields, or where it threw. */
async function drain(iterator: AsyncIterableIterator<unknown>): Promise<{ values: unknown[]; error?: any }> {
  const values: unknown[] = [];
  try {
    for await (const v of iterator) values.push(v);
    return { values };
  } catch (error) {
    return { values, error };
  }
}

/** @test {ThreadPoolExecutor} every future settles, whatever crosses the boundary */
describe('every future settles on the thread pool', () => {
  // One worker: a hung worker would hang every later task, and shutdown.
  let pool: ThreadPoolExecutor;
  beforeEach(() => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  });
  afterEach(async () => {
    await within(pool.shutdown(), 10_000, 'shutdown');
  });

  it.each([2_000, 20_000])('should fail a %i-node linked-list result with DataCloneError, and serve the next task', async (n) => {
    const error = await failureOf(pool.submit(tasks.deepList, n));
    expect(error.name).toBe('DataCloneError');
    expect(error.message).toMatch(/^the result cannot be cloned to the main thread: result(\.next)+.* is nested more than 1000 levels deep/);
    await expect(within(pool.submit(tasks.identity, 'next').result(), 5000, 'the next task')).resolves.toBe('next');
  });

  it('should deliver a linked list of 900 nodes whole', async () => {
    const list: any = await within(pool.submit(tasks.deepList, 900).result(), 5000, 'the result');
    let length = 0;
    for (let node = list; node !== null; node = node.next) length += 1;
    expect(length).toBe(900);
  });

  it('should fail a task that throws a 10,000-deep cause chain with its own error, the chain cut', async () => {
    const error = await failureOf(pool.submit(tasks.throwDeepCause, 10_000));
    expect(error.message).toBe('level 9999');
    let depth = 0;
    let last = error;
    for (let e = error; e !== undefined; e = e.cause) {
      depth += 1;
      last = e;
    }
    expect(depth).toBe(102);
    expect(last.message).toMatch(/^rxfutures: the cause chain was cut here, 101 levels deep/);
    await expect(within(pool.submit(tasks.identity, 2).result(), 5000, 'the next task')).resolves.toBe(2);
  });

  it('should fail a result with a throwing getter with DataCloneError, not WorkerExitError', async () => {
    const error = await failureOf(pool.submit(tasks.throwingGetter));
    expect(error.name).toBe('DataCloneError');
    expect(error.message).toBe('the result cannot be cloned to the main thread: result.broken cannot be read: its getter threw Error: getter threw');
  });

  it('should fail deep results of a map (coalesced calls) each on its own', async () => {
    const sizes = [1, 2_000, 3, 20_000, 5];
    const out: Array<{ ok: boolean; v: unknown }> = [];
    const futures = sizes.map((n) => pool.submit(tasks.deepList, n));
    for (const f of futures) {
      const error = await within(f.exception(), 5000, 'a future settling');
      out.push(error === undefined ? { ok: true, v: f.resultNow() } : { ok: false, v: (error as Error).name });
    }
    expect(out.map((o) => o.ok)).toEqual([true, false, true, false, true]);
    expect(out[1].v).toBe('DataCloneError');
  });

  it('should throw a deep yielded value to the stream consumer at its position, never skip it', async () => {
    const { values, error } = await within(drain(pool.stream(tasks.yieldDeep, 2_000)), 5000, 'the stream');
    expect(values).toEqual([1]);
    expect(error?.name).toBe('DataCloneError');
    expect(error.message).toMatch(/^a yielded value cannot be cloned to the main thread: .*nested more than 1000 levels deep/);
  });

  it.each([5_000, 50_000])('should fail the future of arguments %i levels deep, not throw from submit', async (n) => {
    let list: unknown = null;
    for (let i = 0; i < n; i++) list = { value: i, next: list };
    const future = pool.submit(tasks.identity, list);
    const error = await failureOf(future);
    expect(error.name).toBe('DataCloneError');
    expect(error.message).toMatch(/^the task's arguments cannot be cloned to a worker: args\[0\](\.next)+.* is nested more than 1000 levels deep/);
  });

  it('should fail uncloneable arguments through the future (a Proxy)', async () => {
    const error = await failureOf(pool.submit(tasks.identity, new Proxy({}, {})));
    expect(error.name).toBe('DataCloneError');
    expect(error.message).toBe("the task's arguments cannot be cloned to a worker: args[0] is a Proxy, which structured clone cannot copy");
  });

  it('should carry a big (unwalked) result across packed, and fail a big one too deep for the main thread', async () => {
    // 20,000 small objects: beyond the walk's budget, serialised by the worker itself.
    const wide = await within(pool.submit((n: number) => Array.from({ length: n }, (_, i) => ({ i })), 20_000).result(), 10_000, 'a wide result');
    expect((wide as unknown[]).length).toBe(20_000);
    expect((wide as any)[19_999]).toEqual({ i: 19_999 });
    const wideThenDeep = (n: number): unknown => {
      let list: unknown = null;
      for (let i = 0; i < 2_500; i++) list = { value: i, next: list };
      return [...Array.from({ length: n }, (_, i) => ({ i })), list];
    };
    const error = await failureOf(pool.submit(wideThenDeep, 20_000), 10_000);
    expect(error.name).toBe('DataCloneError');
    expect(error.message).toMatch(/cannot be (rebuilt on|cloned to) the main thread/);
    await expect(within(pool.submit(tasks.identity, 'still serving').result(), 5000, 'the next task')).resolves.toBe('still serving');
  });
});

/** @test {ThreadPoolExecutor} an answer Piscina cannot post (lib/threadPool/safeAnswer.ts) */
describe('an answer the worker cannot post', () => {
  let pool: ThreadPoolExecutor;
  beforeEach(() => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  });
  afterEach(async () => {
    await within(pool.shutdown(), 10_000, 'shutdown');
  });

  /** Runs `kinds` as one message (one batch) and gives each call's value or error. */
  async function batch(kinds: Array<[string, unknown?]>): Promise<Array<{ value?: unknown; error?: any }>> {
    const futures = pool[kSubmitBatch](tasks.answer as never, kinds as never) as Array<ReturnType<ThreadPoolExecutor['submit']>>;
    return within(
      Promise.all(futures.map((f) => f.result().then((value) => ({ value }), (error: unknown) => ({ error })))),
      10_000,
      'the batch settling',
    );
  }

  it('should fail a result whose getter throws only when the answer is posted with DataCloneError (not WorkerExitError), its neighbours and the worker untouched', async () => {
    const thread = await pool.submit(tasks.answer, 'thread');
    const [first, hostile, last] = await batch([['echo', 1], ['flaky'], ['echo', 3]]);
    expect([first.value, last.value]).toEqual([1, 3]);
    expect(hostile.error?.name).toBe('DataCloneError');
    // Which read throws depends on the path the result took: on a busy machine the batch runs past a
    // flush slice and the worker tries an early flush first (one read more). The property is the same.
    expect(hostile.error.message).toMatch(/^the result cannot be cloned to the main thread: Error: getter threw on read [34]$/);
    expect(await pool.submit(tasks.answer, 'thread')).toBe(thread);
  });

  it('should deliver two results of one batch that transfer() the same buffer (listed once), and settle a detached one on its own', async () => {
    const thread = await pool.submit(tasks.answer, 'thread');
    const [a, b, plain] = await batch([['same'], ['same'], ['echo', 'plain']]);
    expect(a.value).toEqual(new Uint8Array(8).fill(7));
    expect(b.value).toEqual(new Uint8Array(8).fill(7));
    expect(plain.value).toBe('plain');
    const [before, detached, after] = await batch([['echo', 1], ['detached'], ['echo', 3]]);
    expect([before.value, after.value]).toEqual([1, 3]);
    // V8 posts a detached buffer as an empty one: it settles as that, the worker untouched.
    expect(detached.error).toBeUndefined();
    expect((detached.value as Uint8Array).byteLength).toBe(0);
    expect(await pool.submit(tasks.answer, 'thread')).toBe(thread);
  });

  it('should share a transfer()ed view of a SharedArrayBuffer instead of failing the worker', async () => {
    const thread = await pool.submit(tasks.answer, 'thread');
    const [shared, plain] = await batch([['sharedMemory'], ['echo', 2]]);
    expect(shared.value).toEqual(new Uint8Array(8));
    expect(plain.value).toBe(2);
    expect(await pool.submit(tasks.answer, 'thread')).toBe(thread);
  });

  it('should throw a yielded value that cannot be posted to the stream consumer at its position', async () => {
    const { values, error } = await within(drain(pool.stream(tasks.yieldFlaky)), 10_000, 'the stream');
    expect(values).toEqual([1]);
    expect(error?.name).toBe('DataCloneError');
    expect(error.message).toBe('a yielded value cannot be cloned to the main thread: Error: getter threw on read 2');
    await expect(within(pool.submit(tasks.identity, 'next').result(), 5000, 'the next task')).resolves.toBe('next');
  });
});

/** @test {processIsExiting} submit once the process is exiting (run in a plain Node process: an exit listener cannot run in a Jest test) */
describe('submit after the process began exiting', () => {
  const script = `
    const { ThreadPoolExecutor, ProcessPoolExecutor, AsyncExecutor, QueueExecutor, task } = require(${JSON.stringify(path.join(__dirname, '../../dist/cjs/index.js'))});
    const { VirtualExecutor } = require(${JSON.stringify(path.join(__dirname, '../../dist/cjs/testing/index.js'))});
    const identity = task(${JSON.stringify(path.join(__dirname, '../fixtures/queueTasks.js'))}, 'echo');
    const executors = { thread: new ThreadPoolExecutor({ maxWorkers: 1 }), process: new ProcessPoolExecutor({ maxWorkers: 1 }), async: new AsyncExecutor(), virtual: new VirtualExecutor() };
    process.on('exit', () => {
      // Made here, so its connection attempts cannot keep the process alive: nothing asynchronous runs after 'exit'.
      executors.queue = new QueueExecutor({ connection: 'redis://127.0.0.1:1', queueName: 'exiting' });
      const seen = [];
      for (const [kind, ex] of Object.entries(executors)) {
        for (const call of [() => ex.submit(identity, 1), () => ex.map(identity, [1]), () => ex.stream(identity, 1)]) {
          try { call(); seen.push(kind + ': returned'); } catch (e) { seen.push(kind + ': ' + e.name + ': ' + e.message); }
        }
      }
      process.stdout.write(JSON.stringify(seen));
    });
  `;

  it('should throw ShutdownError synchronously from submit, map and stream on every executor', async () => {
    const stdout = await within(
      new Promise<string>((resolve, reject) => {
        execFile(process.execPath, ['-e', script], { timeout: 20_000 }, (err, out) => (err ? reject(err) : resolve(out)));
      }),
      25_000,
      'the child process',
    );
    const seen: string[] = JSON.parse(stdout);
    expect(seen).toEqual(
      ['thread', 'process', 'async', 'virtual', 'queue'].flatMap((kind) =>
        ['submit', 'map', 'stream'].map((method) => `${kind}: ShutdownError: ${method}: cannot schedule new futures after interpreter shutdown (the process is exiting)`),
      ),
    );
  });
});
