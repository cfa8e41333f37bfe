// Python's ProcessPoolExecutor example, on threads: check big numbers for primality in parallel.
// Expectations are computed, never copied (1000037 and 1000039 are prime).
import path from 'node:path';
import { ThreadPoolExecutor, taskModule } from 'rxfutures';

const tasks = taskModule<typeof import('../tasks')>(path.join(__dirname, '../tasks.ts'));

const PRIMES = [112272535095293, 112582705942171, 112272535095293, 115280095190773, 115797848077099, 1099726899285419, 1000037, 1000039];

async function main(): Promise<void> {
  await using executor = new ThreadPoolExecutor();
  let i = 0;
  for await (const prime of executor.map(tasks.isPrime, PRIMES)) {
    console.log(`${PRIMES[i++]} is prime: ${prime}`);
  }
}

void main();
