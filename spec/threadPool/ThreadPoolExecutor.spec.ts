import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Future, ShutdownError, ThreadPoolExecutor, task, taskModule } from '../../lib';
import { Flags } from '../helpers/flags';

const fixture = path.join(__dirname, '../fixtures/tasks.ts');
const tasks = taskModule<typeof import('../fixtures/tasks')>(fixture);

/** @test {ThreadPoolExecutor} */
describe('ThreadPoolExecutor', () => {
  let pool: ThreadPoolExecutor;
  afterEach(async () => {
    await pool?.shutdown();
  });

  describe('submit', () => {
    it('should run a module task and return a Future of its result', async () => {
      pool = new ThreadPoolExecutor({ maxWorkers: 2 });
      const f = pool.submit(tasks.double, 21);
      expect(f).toBeInstanceOf(Future);
      await expect(f.result()).resolves.toBe(42);
      expect(f.state).toBe('finished');
    });

    it('should run async exports and the default export', async () => {
      pool = new ThreadPoolExecutor({ maxWorkers: 1 });
      expect(await pool.submit(tasks.asyncDouble, 4)).toBe(8);
      expect(await pool.submit(task<[number], string>(fixture, 'default'), 5)).toBe('default:5');
    });

    it('should accept a file: URL as specifier', async () => {
      pool = new ThreadPoolExecutor({ maxWorkers: 1 });
      const viaUrl = task<[number], number>(pathToFileURL(fixture).href, 'double');
      expect(await pool.submit(viaUrl, 3)).toBe(6);
    });

    it('should accept a package name as specifier', async () => {
      pool = new ThreadPoolExecutor({ maxWorkers: 1 });
      // A package from our own node_modules: rxjs exports `identity`.
      const identity = task<[string], string>('rxjs', 'identity');
      expect(await pool.submit(identity, 'from a package')).toBe('from a package');
    });

    it('should run a self-contained inline function, with require available inside', async () => {
      pool = new ThreadPoolExecutor({ maxWorkers: 2 });
      expect(await pool.submit((a: number, b: number) => a + b, 2, 3)).toBe(5);
      const hash = pool.submit((s: string) => require('node:crypto').createHash('sha256').update(s).digest('hex') as string, 'abc');
      expect(await hash).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    });

    it('should run tasks on worker threads, in parallel', async () => {
      pool = new ThreadPoolExecutor({ maxWorkers: 2 });
      const flags = new Flags();
      // Two tasks that each wait for the other to have started: only possible in parallel.
      const a = pool.submit(tasks.blockUntil, flags.array, 1, 0, 'a');
      const b = pool.submit(tasks.blockUntil, flags.array, 0, 1, 'b');
      await Promise.all([flags.waitFor(0), flags.waitFor(1)]);
      expect(await Promise.all([a, b])).toEqual(['a', 'b']);
      const threads = new Set(await Promise.all([pool.submit(tasks.whichThread), pool.submit(tasks.whichThread)]));
      expect(threads.has(0)).toBe(false); // 0 is the main thread
    });

    it('should keep a future pending until a worker is free, then mark it running', async () => {
      pool = new ThreadPoolExecutor({ maxWorkers: 1 });
      const flags = new Flags();
      const first = pool.submit(tasks.blockUntil, flags.array, 1, 0, 1);
      const second = pool.submit(tasks.double, 1);
      await flags.waitFor(0);
      expect(first.state).toBe('running');
      expect(second.state).toBe('pending');
      expect(pool.stats).toMatchObject({ queued: 1, running: 1 });
      flags.release(1);
      await Promise.all([first, second]);
      expect(pool.stats).toMatchObject({ queued: 0, running: 0, completed: 2 });
    });

    it('should throw a TypeError synchronously for something that is not a task', () => {
      pool = new ThreadPoolExecutor({ maxWorkers: 1 });
      expect(() => pool.submit(42 as never)).toThrow(TypeError);
      expect(() => pool.submit('double' as never)).toThrow(/must be a Task/);
      expect(() => pool.submit(Math.max)).toThrow(/native function/);
      expect(() => pool.submit(function f(this: unknown) { return this; }.bind(null))).toThrow(/bound function/);
      expect(() => pool.submit(class Foo {} as never)).toThrow(/is a class/);
    });
  });

  describe('options', () => {
    it.each([0, -1, NaN, 1.5, Infinity])('should reject maxWorkers %p with a RangeError', (maxWorkers) => {
      expect(() => new ThreadPoolExecutor({ maxWorkers })).toThrow(RangeError);
      expect(() => new ThreadPoolExecutor({ maxWorkers })).toThrow(/maxWorkers/);
    });

    it('should reject a non-number maxWorkers with a TypeError', () => {
      expect(() => new ThreadPoolExecutor({ maxWorkers: '2' as never })).toThrow(TypeError);
    });

    it('should default maxWorkers to availableParallelism()', async () => {
      pool = new ThreadPoolExecutor();
      expect(pool.maxWorkers).toBe(require('node:os').availableParallelism());
    });

    it('should run the initializer once per worker before its first task', async () => {
      pool = new ThreadPoolExecutor({ maxWorkers: 2, initializer: tasks.init, initargs: ['ready'] });
      const seen = await Promise.all(Array.from({ length: 6 }, () => pool.submit(tasks.readInit)));
      expect(seen).toEqual(Array(6).fill('ready'));
    });

    it('should name worker threads with threadNamePrefix', async () => {
      pool = new ThreadPoolExecutor({ maxWorkers: 1, threadNamePrefix: 'hasher' });
      expect(await pool.submit(tasks.threadName)).toMatch(/^hasher_\d+$/);
    });

    it('should replace a worker after maxTasksPerChild tasks', async () => {
      pool = new ThreadPoolExecutor({ maxWorkers: 1, maxTasksPerChild: 2 });
      const ids: number[] = [];
      for (let i = 0; i < 6; i++) ids.push(await pool.submit(tasks.whichThread));
      expect(ids[0]).toBe(ids[1]);
      expect(ids[2]).toBe(ids[3]);
      expect(new Set(ids).size).toBe(3);
    });

    it('should break the pool, not hang, when its worker threads cannot start', async () => {
      // A heap too small for a worker to boot: Piscina stops spawning after a bootstrap failure.
      pool = new ThreadPoolExecutor({ maxWorkers: 1, resourceLimits: { maxOldGenerationSizeMb: 1, maxYoungGenerationSizeMb: 1 } });
      const futures = [pool.submit(tasks.double, 1), pool.submit(tasks.double, 2)];
      for (const f of futures) await expect(f.result()).rejects.toMatchObject({ name: 'BrokenThreadPool', message: expect.stringMatching(/failed to start/) });
      expect(() => pool.submit(tasks.double, 3)).toThrow(/failed to start/);
    });

    it('should refuse submits beyond maxQueue', async () => {
      pool = new ThreadPoolExecutor({ maxWorkers: 1, maxQueue: 2 });
      const flags = new Flags();
      const running = pool.submit(tasks.blockUntil, flags.array, 1, 0, 0);
      await flags.waitFor(0);
      pool.submit(tasks.double, 1);
      pool.submit(tasks.double, 2);
      expect(() => pool.submit(tasks.double, 3)).toThrow(/maxQueue/);
      flags.release(1);
      await running;
    });
  });

  describe('shutdown', () => {
    it('should make submit throw ShutdownError from the moment it is called', async () => {
      pool = new ThreadPoolExecutor({ maxWorkers: 1 });
      const closing = pool.shutdown();
      expect(() => pool.submit(tasks.double, 1)).toThrow(ShutdownError);
      expect(() => pool.map(tasks.double, [1])).toThrow(ShutdownError);
      await closing;
      await expect(pool.shutdown()).resolves.toBeUndefined(); // twice is harmless
    });

    it('should wait for running and pending tasks with wait: true', async () => {
      pool = new ThreadPoolExecutor({ maxWorkers: 1 });
      const fs = [1, 2, 3].map((x) => pool.submit(tasks.asyncDouble, x));
      await pool.shutdown({ wait: true });
      expect(fs.map((f) => f.state)).toEqual(['finished', 'finished', 'finished']);
      expect(pool.stats.workers).toBe(0);
    });

    it('should resolve at once with wait: false while the tasks still finish', async () => {
      pool = new ThreadPoolExecutor({ maxWorkers: 1 });
      const flags = new Flags();
      const blocked = pool.submit(tasks.blockUntil, flags.array, 1, 0, 'done');
      const queued = pool.submit(tasks.double, 5);
      await flags.waitFor(0);
      await pool.shutdown({ wait: false });
      expect(blocked.state).toBe('running');
      flags.release(1);
      expect(await blocked).toBe('done');
      expect(await queued).toBe(10);
    });

    it('should cancel pending futures with cancelFutures: true', async () => {
      pool = new ThreadPoolExecutor({ maxWorkers: 1 });
      const flags = new Flags();
      const running = pool.submit(tasks.blockUntil, flags.array, 1, 0, 'ran');
      const pending = [1, 2, 3].map((x) => pool.submit(tasks.double, x));
      await flags.waitFor(0);
      const closed = pool.shutdown({ cancelFutures: true });
      expect(pending.every((f) => f.cancelled())).toBe(true);
      flags.release(1);
      await closed;
      expect(await running).toBe('ran');
    });

    it('should support await using', async () => {
      let escaped: ThreadPoolExecutor;
      {
        await using p = new ThreadPoolExecutor({ maxWorkers: 1 });
        escaped = p;
        expect(await p.submit(tasks.double, 2)).toBe(4);
      }
      expect(() => escaped.submit(tasks.double, 1)).toThrow(ShutdownError);
      expect(escaped.stats.workers).toBe(0);
      pool = escaped;
    });
  });
});
