import path from 'node:path';
import { ThreadPoolExecutor, taskModule } from '../../lib';
import { Flags } from '../helpers/flags';

const tasks = taskModule<typeof import('../fixtures/tasks')>(path.join(__dirname, '../fixtures/tasks.ts'));

/** @test {ThreadPoolExecutor#stream} */
describe('ThreadPoolExecutor.stream', () => {
  let pool: ThreadPoolExecutor;
  afterEach(async () => {
    await pool?.shutdown();
  });

  it('should yield every value of a sync generator task, then end', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const out: number[] = [];
    for await (const x of pool.stream(tasks.count, 5)) out.push(x);
    expect(out).toEqual([0, 1, 2, 3, 4]);
  });

  it('should yield every value of an async generator task', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const out: number[] = [];
    for await (const x of pool.stream(tasks.countAsync, 3)) out.push(x);
    expect(out).toEqual([0, 1, 2]);
  });

  it('should deliver the values yielded before an exception, then the exception whole', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const out: number[] = [];
    const run = async (): Promise<void> => {
      for await (const x of pool.stream(tasks.countThenFail, 2)) out.push(x);
    };
    await expect(run()).rejects.toMatchObject({ name: 'RangeError', message: 'generator failed', code: 'E_GEN' });
    expect(out).toEqual([0, 1]);
  });

  it('should interrupt the task when the consumer stops, freeing the worker', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const flags = new Flags();
    const it = pool.stream(tasks.yieldThenSpin, flags.array, 0);
    expect(await it.next()).toEqual({ value: 'first', done: false });
    await flags.waitFor(0);
    await it.return!();
    const t0 = Date.now();
    expect(await pool.submit(tasks.double, 4)).toBe(8);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('should refuse a task that is not a generator', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const it = pool.stream(tasks.double as never, 1);
    await expect(it.next()).rejects.toMatchObject({ name: 'TypeError', message: expect.stringMatching(/generator/) });
  });
});
