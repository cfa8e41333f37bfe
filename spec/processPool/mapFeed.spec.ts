import path from 'node:path';
import { CancelledError, ProcessPoolExecutor, ShutdownError, taskModule } from '../../lib';

const tasks = taskModule<typeof import('./fixtures/boundaryTasks')>(path.join(__dirname, 'fixtures/boundaryTasks.ts'));

// Without buffersize, map takes every item at the call, as Python's map does, but submits a window
// of calls at a time and tops it up as calls finish (lib/internal/MapFeeder.ts); what a consumer
// sees is what submitting them all at the call would show. N is far beyond the first window
// (2 × maxWorkers calls until the task is measured).
const N = 3_000;

async function* numbers(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i;
}

/** @test {ProcessPoolExecutor#map} */
describe('ProcessPoolExecutor.map without buffersize', () => {
  let pool: ProcessPoolExecutor;
  afterEach(async () => {
    await pool?.shutdown({ cancelFutures: true });
  });

  it('should take every item of a sync iterable inside map()', () => {
    pool = new ProcessPoolExecutor({ maxWorkers: 2 });
    let taken = 0;
    function* source(): Generator<number> {
      for (let i = 0; i < N; i++) {
        taken += 1;
        yield i;
      }
    }
    pool.map(tasks.echo, source());
    expect(taken).toBe(N);
  });

  it('should make shutdown({ wait: true }) wait for every item taken, then yield them all', async () => {
    pool = new ProcessPoolExecutor({ maxWorkers: 2 });
    const it = pool.map(tasks.pid, Array.from({ length: N }, (_, i) => i));
    await pool.shutdown({ wait: true });
    const pids = new Set<number>();
    let k = 0;
    for await (const pid of it) {
      pids.add(pid);
      k++;
    }
    expect(k).toBe(N);
    // Every call ran before the shutdown resolved, in children that are gone now.
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });

  it('should cancel the items not started on shutdown({ cancelFutures: true }): CancelledError at the first of them', async () => {
    pool = new ProcessPoolExecutor({ maxWorkers: 2 });
    const it = pool.map(tasks.echo, Array.from({ length: N }, (_, i) => i));
    await pool.shutdown({ cancelFutures: true });
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const y of it) seen.push(y as number);
      })(),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(seen.length).toBeLessThan(N);
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i));
  });

  it('should refuse what an async iterable gives after shutdown: ShutdownError at its position', async () => {
    pool = new ProcessPoolExecutor({ maxWorkers: 2 });
    // The async source has not given its first item yet when shutdown comes: nothing runs.
    const it = pool.map(tasks.echo, numbers(N));
    await pool.shutdown({ cancelFutures: true });
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const y of it) seen.push(y as number);
      })(),
    ).rejects.toBeInstanceOf(ShutdownError);
    expect(seen).toEqual([]);
  });

  it('should yield every result of a large array in order, an exception at its position', async () => {
    pool = new ProcessPoolExecutor({ maxWorkers: 2 });
    const xs = Array.from({ length: N }, (_, i) => i);
    let k = 0;
    for await (const y of pool.map(tasks.echo, xs)) expect(y).toBe(k++);
    expect(k).toBe(N);
    const names = xs.map((i) => (i === N - 5 ? 'RangeError' : ''));
    k = 0;
    await expect(
      (async () => {
        for await (const y of pool.map(tasks.throwNamed, names)) {
          expect(y).toBeDefined();
          k++;
        }
      })(),
    ).rejects.toMatchObject({ name: 'RangeError' });
    expect(k).toBe(N - 5);
  });
});
