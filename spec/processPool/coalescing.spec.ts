import path from 'node:path';
import { ProcessPoolExecutor, taskModule } from '../../lib';

const tasks = taskModule<typeof import('./fixtures/boundaryTasks')>(path.join(__dirname, 'fixtures/boundaryTasks.ts'));

/** @test {ProcessPoolExecutor} */
describe('ProcessPoolExecutor coalescing', () => {
  let pool: ProcessPoolExecutor;
  afterEach(async () => {
    await pool?.shutdown({ cancelFutures: true });
  });

  it('should send waiting calls of a measured tiny task together: 2,000 submits reach the child in far fewer event-loop turns', async () => {
    pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    // Measured first: the pool coalesces only a task it has timed.
    for (let i = 0; i < 5; i++) await pool.submit(tasks.loopTurn);
    const turns = await Promise.all(Array.from({ length: 2000 }, () => pool.submit(tasks.loopTurn)));
    // One message per call would give every call its own turn (2,000); coalesced, calls share them.
    expect(new Set(turns).size).toBeLessThan(500);
  });
});
