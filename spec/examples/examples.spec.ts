import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.join(__dirname, '../..');

const outputs = new Map<string, Promise<string>>();

/**
 * The docs' command, `node --import tsx <file>`, registers tsx's ES-module hooks as well as its
 * CommonJS one, in the main thread and in every worker thread (they inherit the flag): ~0.3 s of CPU
 * per process and ~0.17 s per worker thread more than the CommonJS hook alone, 25.6 s against 16.5 s
 * over these eleven examples (issue #17). The examples are CommonJS (package.json "type": "commonjs")
 * and rxfutures loads their task modules through `require` either way (tsx's `.ts` require hook, in
 * each worker): so each example runs under `--require tsx/cjs`, and the one below runs with the docs'
 * command exactly.
 */
const kDocsCommand = 'python/08-prime-check.ts';

/**
 * Runs an example under tsx and returns its output; once per file, as two tests read the prime
 * example's output (each example is a process and a pool).
 */
function example(file: string): Promise<string> {
  let output = outputs.get(file);
  if (output === undefined) {
    const loader = file === kDocsCommand ? ['--import', 'tsx'] : ['--require', 'tsx/cjs'];
    output = run(process.execPath, [...loader, path.join(root, 'examples', file)], { cwd: root, timeout: 60_000 }).then((r) => r.stdout);
    outputs.set(file, output);
  }
  return output;
}

/** Every example of examples/ runs and prints what it promises. */
describe('examples', () => {
  it.each([
    ['python/01-submit-result.ts', [/pow\(323, 1235\) % 1000007 = \d+n/]],
    ['python/02-map-in-order.ts', [/in input order: a, b, c, d/]],
    ['python/03-as-completed.ts', [/nonexistent-subdomain\.python\.org\/ generated an exception: getaddrinfo ENOTFOUND/, /www\.bbc\.co\.uk\/ page is \d+ bytes/]],
    ['python/04-done-callbacks.ts', [/first callback: state finished\nsecond callback: result 144\nadded after completion: runs at once/]],
    ['python/05-cancel-queued.ts', [/cancel queued: true cancelled/, /cancel running: false running/, /cancel running with interrupt: true cancelled/]],
    ['python/06-exceptions.ts', [/stored: Error ENOTFOUND/, /re-raised by result\(\): true/, /worker stack kept: true/]],
    ['python/07-await-using.ts', [/inside the block: \[ 2, 3, 4 \]/, /after the block: true/]],
    ['python/08-prime-check.ts', [/1000037 is prime: true/, /1000039 is prime: true/, /1099726899285419 is prime: false/]],
    ['python/09-killed-worker.ts', [/the crashed task: WorkerExitError true/, /the next task: [0-9a-f]{64}/]],
    ['python/10-wait-first-completed.ts', [/first answer from mirror B \(2 still running\)/]],
    ['angular-service/main.ts', [/97 is prime: true/, /primes among 1\.\.30: 2 3 5 7 11 13 17 19 23 29/]],
  ])('%s should run and print what it promises', async (file, patterns) => {
    const out = await example(file);
    for (const pattern of patterns) expect(out).toMatch(pattern);
  });

  it('should run an example with the docs’ command exactly (node --import tsx <file>)', async () => {
    // The prime example's test above ran it that way (kDocsCommand): its output is shared.
    expect(await example(kDocsCommand)).toMatch(/1000037 is prime: true/);
  });

  it('should compute the prime example’s expectations rather than copy them', async () => {
    const { isPrime } = await import('../../examples/tasks');
    const out = await example('python/08-prime-check.ts');
    for (const line of out.trim().split('\n')) {
      const [, n, answer] = /^(\d+) is prime: (true|false)$/.exec(line)!;
      expect(String(isPrime(Number(n)))).toBe(answer);
    }
  });
});
