import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ProcessPoolExecutor, taskModule } from '../../lib';

const tasks = taskModule<typeof import('../fixtures/processTasks')>(path.join(__dirname, '../fixtures/processTasks.ts'));
const root = path.join(__dirname, '../..');

/**
 * Primality by deterministic Miller–Rabin on BigInts — a different method
 * from the fixture's trial division, so the expectations are computed, not
 * copied (SPEC §7). These bases are exact for every n < 3.3 × 10^24.
 */
function isPrimeHere(value: number): boolean {
  const n = BigInt(value);
  if (n < 2n) return false;
  const bases = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n, 41n];
  for (const p of bases) if (n % p === 0n) return n === p;
  let d = n - 1n;
  let r = 0;
  while (d % 2n === 0n) {
    d /= 2n;
    r += 1;
  }
  const power = (b: bigint, e: bigint): bigint => {
    let result = 1n;
    for (b %= n; e > 0n; e >>= 1n, b = (b * b) % n) if (e & 1n) result = (result * b) % n;
    return result;
  };
  return bases.every((a) => {
    let x = power(a, d);
    if (x === 1n || x === n - 1n) return true;
    for (let i = 1; i < r; i++) {
      x = (x * x) % n;
      if (x === n - 1n) return true;
    }
    return false;
  });
}

/** Runs an example as the docs say to (`node --import tsx <file>`): plain Node, where `instanceof` is real. */
async function example(file: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(root, 'examples/python', file)], { cwd: root, timeout: 60_000 });
  return stdout;
}

/**
 * The ProcessPoolExecutor examples of Python's concurrent.futures
 * documentation, ported: https://docs.python.org/3/library/concurrent.futures.html
 */
describe('Python concurrent.futures examples on ProcessPoolExecutor', () => {
  let pool: ProcessPoolExecutor | undefined;
  afterEach(async () => {
    await pool?.shutdown({ cancelFutures: true });
    pool = undefined;
  });

  it('should check primes in child processes with map (the prime example)', async () => {
    const PRIMES = [112272535095293, 112582705942171, 112272535095293, 115280095190773, 115797848077099, 1099726899285419];
    // Both are prime, although a widely copied version of this example prints otherwise.
    const EXTRA = [1000037, 1000039, 1000037 * 1000039, 999999937, 2, 1, 0, 91];
    const numbers = [...PRIMES, ...EXTRA];
    expect(isPrimeHere(1000037) && isPrimeHere(1000039)).toBe(true);

    pool = new ProcessPoolExecutor({ maxWorkers: 2 });
    const answers: boolean[] = [];
    for await (const prime of pool.map(tasks.isPrime, numbers, { chunksize: 3 })) answers.push(prime);
    expect(answers).toEqual(numbers.map(isPrimeHere));
  });

  it('should fail the running and the pending futures with BrokenProcessPool when a worker is killed, and every later submit', async () => {
    pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    const killed = pool.submit(tasks.killSelf, 'SIGKILL');
    const pending = pool.submit(tasks.isPrime, 1000037);
    expect(await killed.exception()).toMatchObject({ name: 'BrokenProcessPool' });
    expect(await pending.exception()).toMatchObject({ name: 'BrokenProcessPool' });
    expect(() => pool!.submit(tasks.isPrime, 7)).toThrow(expect.objectContaining({ name: 'BrokenProcessPool' }));
  });

  it.each([
    ['process-prime-check.ts', [/^1000037 is prime: true$/m, /^1000039 is prime: true$/m, /^1099726899285419 is prime: false$/m]],
    ['process-killed-worker.ts', [/the crashed task: BrokenProcessPool true/, /the pending task: BrokenProcessPool/, /a later submit throws: BrokenProcessPool true/]],
  ])('examples/python/%s should run under tsx and print what it promises', async (file, patterns) => {
    const out = await example(file);
    for (const pattern of patterns) expect(out).toMatch(pattern);
    for (const [, n, answer] of out.matchAll(/^(\d+) is prime: (true|false)$/gm)) expect(String(isPrimeHere(Number(n)))).toBe(answer);
  });
});
