// Python: executor.submit(pow, 323, 1235).result()
import { ThreadPoolExecutor } from 'rxfutures';

async function main(): Promise<void> {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  const future = executor.submit((base: bigint, exp: bigint) => base ** exp % 1_000_007n, 323n, 1235n);
  console.log('pow(323, 1235) % 1000007 =', await future.result());
}

void main();
