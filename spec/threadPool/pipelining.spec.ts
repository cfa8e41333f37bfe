import path from 'node:path';
import { ThreadPoolExecutor, taskModule } from '../../lib';

const tasks = taskModule<typeof import('../fixtures/pipelineTasks')>(path.join(__dirname, '../fixtures/pipelineTasks.ts'));

/**
 * Once a task is measured as short, the pool queues a worker's next message
 * behind the one it runs (pipelining). The worker still runs one message at
 * a time: async calls never overlap on one thread, so maxWorkers bounds how
 * many calls run at once.
 */
describe('ThreadPoolExecutor pipelining', () => {
  let pool: ThreadPoolExecutor;
  afterEach(async () => {
    await pool?.shutdown({ cancelFutures: true });
  });

  it('should never run two async calls at once on one worker', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    // Measured first: a short task is what gets pipelined.
    for (let i = 0; i < 20; i++) await pool.submit(tasks.overlap, 1);
    const results = await Promise.all(Array.from({ length: 400 }, () => pool.submit(tasks.overlap, 3)));
    expect(Math.max(...results.map((r) => r.most))).toBe(1);
  });

  it('should give every pipelined call its own result, in order of the inputs', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const inputs = Array.from({ length: 5000 }, (_, i) => i);
    const out: number[] = [];
    for await (const y of pool.map(tasks.square, inputs)) out.push(y);
    expect(out).toEqual(inputs.map((x) => x * x));
  });
});
