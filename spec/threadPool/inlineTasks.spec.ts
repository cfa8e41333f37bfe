import { ThreadPoolExecutor } from '../../lib';

/** @test {ThreadPoolExecutor#submit} with inline functions */
describe('ThreadPoolExecutor inline tasks', () => {
  let pool: ThreadPoolExecutor;
  beforeAll(() => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  });
  afterAll(async () => {
    await pool.shutdown();
  });

  it('should run an async function that uses await import() (as compiled by ts-jest)', async () => {
    const f = pool.submit(async (n: number) => {
      const os = await import('node:os');
      return typeof os.cpus === 'function' ? n + 1 : -1;
    }, 1);
    expect(await f).toBe(2);
  });

  it('should run method shorthand', async () => {
    const holder = {
      triple(x: number): number {
        return x * 3;
      },
    };
    expect(await pool.submit(holder.triple, 3)).toBe(9);
  });

  it('should run a named function declaration and a generator function', async () => {
    function square(x: number): number {
      return x * x;
    }
    expect(await pool.submit(square, 7)).toBe(49);
    const out: number[] = [];
    for await (const x of pool.stream(function* (n: number) {
      for (let i = 0; i < n; i++) yield i * 10;
    }, 3)) out.push(x);
    expect(out).toEqual([0, 10, 20]);
  });

  it('should explain a closure over an outer variable instead of returning a wrong result', async () => {
    const offset = 10;
    const err = (await pool.submit((x: number) => x + offset, 1).exception()) as Error;
    expect(err.name).toBe('ReferenceError');
    expect(err.message).toMatch(/offset is not defined/);
    expect(err.message).toMatch(/cannot use variables from the enclosing scope/);
  });

  it('should refuse a function instrumented by a coverage tool, saying why', () => {
    // What istanbul does to a function body under `jest --coverage`.
    const instrumented = new Function('x', 'cov_2l7x9f().s[0]++; return x * 2;') as (x: number) => number;
    expect(() => pool.submit(instrumented, 1)).toThrow(/coverage/);
  });

  it('should compile each inline function once per worker', async () => {
    // The compiled function compares itself with the one the previous call saw.
    function probe(): boolean {
      const g = globalThis as { __probe?: unknown };
      const same = g.__probe === probe;
      g.__probe = probe;
      return same;
    }
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push(await pool.submit(probe));
    expect(seen).toEqual([false, true, true]);
  });
});
