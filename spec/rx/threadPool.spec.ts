import { firstValueFrom, from, lastValueFrom, range, take, timeout, toArray } from 'rxjs';
import { ThreadPoolExecutor, mapOrdered$, mapUnordered$, stream$, submit$ } from '../../lib';
import { Flags } from '../helpers/flags';
import { settle } from '../helpers/settle';

// Inline tasks are shipped to the workers by source: each one is self-contained.

interface Job {
  flags: Int32Array;
  slot: number;
  ms: number;
  waitFor?: number;
}

/** Sets flags[slot] (the spec waits on it), optionally waits for another slot, then spins for `ms` without yielding. */
function spinJob(job: Job): number {
  Atomics.store(job.flags, job.slot, 1);
  Atomics.notify(job.flags, job.slot);
  if (job.waitFor !== undefined) Atomics.wait(job.flags, job.waitFor, 0, 10_000);
  const end = Date.now() + job.ms;
  while (Date.now() < end) {
    // busy: only terminating the worker stops this
  }
  return job.slot;
}

function quick(x: number): number {
  return x * 2;
}

function failWithCode(message: string): never {
  throw Object.assign(new RangeError(message), { code: 'E_WORKER_RANGE' });
}

function* ticks(ms: number): Generator<number> {
  for (let i = 0; ; i++) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      // one tick of work
    }
    yield i;
  }
}

/** Runs `n` quick calls on every worker and returns how long it took. */
async function timeQuickCalls(pool: ThreadPoolExecutor, n: number): Promise<number> {
  const t0 = Date.now();
  const results = await lastValueFrom(range(0, n).pipe(mapOrdered$(pool, quick), toArray()));
  expect(results).toEqual(Array.from({ length: n }, (_, i) => i * 2));
  return Date.now() - t0;
}

/** @test {submit$} and the other operators on real worker threads */
describe('rx operators on ThreadPoolExecutor', () => {
  let pool: ThreadPoolExecutor;

  afterEach(async () => {
    await pool?.shutdown({ cancelFutures: true });
  });

  it('should free the worker when a subscriber leaves a 2-second spin task: the next task finishes well under a second', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const flags = new Flags();
    const subscription = submit$(pool, spinJob, { flags: flags.array, slot: 0, ms: 2000 }).subscribe();
    await flags.waitFor(0);
    const t0 = Date.now();
    subscription.unsubscribe();
    expect(await firstValueFrom(submit$(pool, quick, 21))).toBe(42);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('should interrupt the task when timeout() upstream fires', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    // A booted worker first, so the timeout measures the task and not a cold start on a busy machine.
    expect(await pool.submit(quick, 1)).toBe(2);
    const flags = new Flags();
    const spinning = submit$(pool, spinJob, { flags: flags.array, slot: 0, ms: 30_000 }).pipe(timeout(1000));
    await expect(firstValueFrom(spinning)).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Atomics.load(flags.array, 0)).toBe(1); // it was running: the worker was stopped, not the call skipped
    const t0 = Date.now();
    expect(await firstValueFrom(submit$(pool, quick, 1))).toBe(2);
    // Far below the 30 s the task would have spun: it was stopped, not waited for.
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it("should error with the worker's exception: name, message, code and worker-side stack", async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const error = (await firstValueFrom(submit$(pool, failWithCode, 'out of range')).catch((e: unknown) => e)) as Error & { code?: string };
    // Jest runs in its own realm: assert the name, not instanceof (SPEC §7).
    expect(error.name).toBe('RangeError');
    expect(error.message).toBe('out of range');
    expect(error.code).toBe('E_WORKER_RANGE');
    expect(error.stack).toMatch(/^RangeError: out of range\n/);
    expect(error.stack).toMatch(/failWithCode/);
    expect(error.stack).toMatch(/threadPool[/\\]worker\.[jt]s/);
  });

  it('should interrupt the rest of a mapOrdered$ once firstValueFrom has its value', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const flags = new Flags();
    // Job 0 returns once job 1 is running; jobs 1-3 spin for 2 s. All four fit in buffersize (2 × 2).
    const jobs: Job[] = [0, 1, 2, 3].map((slot) => ({ flags: flags.array, slot, ms: slot === 0 ? 0 : 2000, waitFor: slot === 0 ? 1 : undefined }));
    expect(await firstValueFrom(from(jobs).pipe(mapOrdered$(pool, spinJob)))).toBe(0);
    expect(Atomics.load(flags.array, 1)).toBe(1);
    // Both workers are free again: four quick calls do not wait for the spinners.
    expect(await timeQuickCalls(pool, 4)).toBeLessThan(1000);
  });

  it('should interrupt the rest of a mapUnordered$ on take(1)', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const flags = new Flags();
    const jobs: Job[] = [0, 1, 2].map((slot) => ({ flags: flags.array, slot, ms: slot === 0 ? 0 : 2000, waitFor: slot === 0 ? 1 : undefined }));
    expect(await lastValueFrom(from(jobs).pipe(mapUnordered$(pool, spinJob), take(1)))).toBe(0);
    expect(await timeQuickCalls(pool, 4)).toBeLessThan(1000);
  });

  it('should error at the position of a value that cannot cross the thread boundary (DataCloneError)', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const values: unknown[] = [1, 2, () => 3, 4];
    const { values: emitted, error } = await settle(from(values).pipe(mapOrdered$(pool, quick as (x: unknown) => number)));
    expect(emitted).toEqual([2, 4]); // the results before it
    expect(error).toMatchObject({ name: 'DataCloneError' });
  });

  it('should send chunks with chunksize and keep source order', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const results = await lastValueFrom(range(0, 50).pipe(mapOrdered$(pool, quick, { chunksize: 7 }), toArray()));
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
  });

  it('should stream a generator\'s values and stop it (freeing the worker) on take(n)', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    expect(await lastValueFrom(stream$(pool, ticks, 20).pipe(take(3), toArray()))).toEqual([0, 1, 2]);
    const t0 = Date.now();
    expect(await firstValueFrom(submit$(pool, quick, 5))).toBe(10);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
