/**
 * A pool with a budget for exceptions (the internal option kMaxErrorBytes,
 * set by the queue worker) cuts a task's oversized exception in the worker
 * thread, before it is posted (lib/internal/fitEncodedError.ts): nothing on
 * the pool's main side cuts, so an exception that arrives cut was cut in
 * the worker. spec/queue/security.spec.ts checks what that saves the queue
 * worker's process with a 100 MiB message.
 */
import { serialize } from 'node:v8';
import { ThreadPoolExecutor } from '../../lib';
import { encodeError } from '../../lib/internal/errorCodec';
import { kMaxErrorBytes } from '../../lib/internal/symbols';
import type { InternalThreadPoolOptions } from '../../lib/threadPool/options';

const kBudget = 16 * 1024;
const kChars = 2 ** 20;
const kMarker = /\[truncated by rxfutures: the exception was over maxPayloadBytes\]$/;

// Inline tasks (shipped by source): each throws an Error with a `kChars` message and a short `code`.
function throwHuge(chars: number): never {
  throw Object.assign(new Error('x'.repeat(chars)), { code: 'E_HUGE' });
}
function* yieldThenThrowHuge(chars: number): Generator<number> {
  yield 1;
  throw Object.assign(new Error('x'.repeat(chars)), { code: 'E_HUGE' });
}

function expectCut(error: any): void {
  expect(error).toBeInstanceOf(Error);
  expect(error.message).toMatch(kMarker);
  expect(error.message.startsWith('xxxx')).toBe(true);
  expect(error.truncated).toBe(true);
  expect(error.code).toBe('E_HUGE');
  // What crossed fits the budget (the stack is cut as well).
  expect(serialize(encodeError(error)).length).toBeLessThanOrEqual(kBudget + 64);
}

describe('ThreadPoolExecutor with a budget for exceptions (kMaxErrorBytes, the queue worker\'s pool)', () => {
  let pool: ThreadPoolExecutor;
  beforeAll(() => {
    const options: InternalThreadPoolOptions = { maxWorkers: 1, [kMaxErrorBytes]: kBudget };
    pool = new ThreadPoolExecutor(options);
  });
  afterAll(async () => {
    await pool.shutdown();
  });

  it('should cut a 1 MiB exception message in the worker, keeping its class, code and a marked prefix', async () => {
    expectCut(await pool.submit(throwHuge, kChars).exception(10_000));
    // The second call takes the worker's synchronous path (the task is loaded): cut there too.
    expectCut(await pool.submit(throwHuge, kChars).exception(10_000));
  });

  it('should cut each failing call of a chunk, and deliver its neighbours', async () => {
    const seen: number[] = [];
    let failure: unknown;
    const chunk = pool.map(
      (n: number) => {
        if (n % 2 === 1) throw Object.assign(new Error('x'.repeat(2 ** 20)), { code: 'E_HUGE' });
        return n;
      },
      [0, 1, 2, 3],
      { chunksize: 4 },
    );
    try {
      for await (const value of chunk) seen.push(value);
    } catch (error) {
      failure = error;
    }
    // map fails at the first failing item, in order (item 1), after the ones before it.
    expect(seen).toEqual([0]);
    expectCut(failure);
  });

  it('should cut the exception a stream task throws after yielding', async () => {
    const seen: number[] = [];
    let failure: unknown;
    try {
      for await (const value of pool.stream(yieldThenThrowHuge, kChars)) seen.push(value);
    } catch (error) {
      failure = error;
    }
    expect(seen).toEqual([1]);
    expectCut(failure);
  });

  it('should leave an exception within the budget whole', async () => {
    const error: any = await pool.submit(throwHuge, 1000).exception(10_000);
    expect(error.message).toBe('x'.repeat(1000));
    expect(error.truncated).toBeUndefined();
    expect(error.code).toBe('E_HUGE');
  });

  it('should send the whole exception from a pool without a budget', async () => {
    await using plain = new ThreadPoolExecutor({ maxWorkers: 1 });
    const error: any = await plain.submit(throwHuge, kChars).exception(10_000);
    expect(error.message).toHaveLength(kChars);
    expect(error.truncated).toBeUndefined();
  });

  it('should refuse a budget that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, '16']) {
      expect(() => new ThreadPoolExecutor({ maxWorkers: 1, [kMaxErrorBytes]: bad } as InternalThreadPoolOptions)).toThrow(/kMaxErrorBytes/);
    }
  });
});
