// Python's ProcessPoolExecutor example: check big numbers for primality, each
// in a child process. Expectations are computed, never copied (1000037 and
// 1000039 are prime, whatever a widely copied version of this example says).
import path from 'node:path';
import { ProcessPoolExecutor, taskModule } from 'rxfutures';

const tasks = taskModule<typeof import('../tasks')>(path.join(__dirname, '../tasks.ts'));

const PRIMES = [112272535095293, 112582705942171, 112272535095293, 115280095190773, 115797848077099, 1099726899285419, 1000037, 1000039];

async function main(): Promise<void> {
  // Children inherit this process's execArgv, so under `node --import tsx` they load TypeScript tasks too.
  await using executor = new ProcessPoolExecutor();
  let i = 0;
  for await (const prime of executor.map(tasks.isPrime, PRIMES)) {
    console.log(`${PRIMES[i++]} is prime: ${prime}`);
  }
}

void main();
