import path from 'node:path';
import { AsyncExecutor, ProcessPoolExecutor, ThreadPoolExecutor, taskModule, type Executor } from '../../lib';
import { kSubmitBatch } from '../../lib/internal/symbols';
import { within } from '../helpers/within';

const fixture = path.join(__dirname, '../fixtures/settlesTasks.ts');
const tasks = taskModule<typeof import('../fixtures/settlesTasks')>(fixture);

/** Every name a plain object inherits, and `__proto__`: the names a `table[name]` lookup gets wrong (issue #14). */
const kNames = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])];

// Calls per coalesced batch, and where the one bad call sits.
const kCalls = 600;
const kBad = 300;

/** The error a future ended with, guarded against hangs. */
async function errorOf(future: { exception(): Promise<unknown> }): Promise<any> {
  return within(future.exception(), 10_000, 'the future settling');
}

/** Runs the name checks against one executor. */
function nameCases(make: () => Executor, options: { coalesces: boolean }): void {
  let executor: Executor;
  beforeAll(async () => {
    executor = make();
    // One call first, so the pool has measured the task and coalesces the calls that follow.
    await executor.submit(tasks.doubleOrThrow, 1);
  });
  afterAll(async () => {
    await within(executor.shutdown(), 15_000, 'shutdown');
  });

  it.each(kNames)('should end submit with an Error named %s', async (name) => {
    const error = await errorOf(executor.submit(tasks.throwNamed, name));
    expect(error).toBeInstanceOf(Error);
    expect(typeof error.name).toBe('string');
    expect(error.name).toBe(name);
    expect(error.message).toBe(`named ${name}`);
  });

  it.each(kNames)(`should fail only the bad call of ${kCalls} tiny calls (one batch when the pool coalesces) for %s`, async (name) => {
    const futures = Array.from({ length: kCalls }, (_, i) => executor.submit(tasks.doubleOrThrow, i === kBad ? -1 : i, name));
    const errors = await within(Promise.all(futures.map((f) => f.exception())), 20_000, 'every future settling');
    errors.forEach((error: any, i) => {
      if (i === kBad) expect(error?.name).toBe(name);
      else expect(error).toBeUndefined();
    });
    expect(futures.filter((f) => f.state !== 'finished')).toHaveLength(0);
    expect(futures.map((f, i) => (i === kBad ? -1 : f.resultNow()))).toEqual(futures.map((_, i) => (i === kBad ? -1 : i * 2)));
    if (options.coalesces) expect(executor instanceof ThreadPoolExecutor && executor.stats.running).toBe(0);
  });

  if (options.coalesces) {
    it('should fail only the bad calls of one message holding every name (a batch for certain)', async () => {
      const batch = (executor as ThreadPoolExecutor)[kSubmitBatch](tasks.doubleOrThrow as never, kNames.flatMap((name, i) => [[i], [-1, name]]) as never) as Array<ReturnType<Executor['submit']>>;
      const errors = await within(Promise.all(batch.map((f) => f.exception())), 20_000, 'every future of the message settling');
      kNames.forEach((name, i) => {
        expect((errors[2 * i] as any)?.name).toBeUndefined();
        expect(batch[2 * i].resultNow()).toBe(i * 2);
        expect((errors[2 * i + 1] as any)?.name).toBe(name);
      });
    });
  }

  it.each(kNames)('should throw an Error named %s from map at its position', async (name) => {
    const seen: number[] = [];
    let thrown: any;
    try {
      for await (const v of executor.map(tasks.identity, [1, 2])) seen.push(v as number);
      for await (const v of executor.map(tasks.throwNamed, [name])) seen.push(v as number);
    } catch (error) {
      thrown = error;
    }
    expect(seen).toEqual([1, 2]);
    expect(thrown?.name).toBe(name);
  });

  it.each(kNames)('should throw an Error named %s from stream() after what it yielded', async (name) => {
    const seen: unknown[] = [];
    let thrown: any;
    try {
      for await (const v of executor.stream(tasks.yieldThenThrow, name)) seen.push(v);
    } catch (error) {
      thrown = error;
    }
    expect(seen).toEqual([1]);
    expect(thrown?.name).toBe(name);
  });
}

/** @test {decodeError} errors named like Object.prototype members, on every executor */
describe('error names', () => {
  describe('ThreadPoolExecutor', () => nameCases(() => new ThreadPoolExecutor({ maxWorkers: 1 }), { coalesces: true }));
  describe('ProcessPoolExecutor', () => nameCases(() => new ProcessPoolExecutor({ maxWorkers: 1 }), { coalesces: false }));
  describe('AsyncExecutor', () => nameCases(() => new AsyncExecutor({ maxWorkers: 4 }), { coalesces: false }));
});
