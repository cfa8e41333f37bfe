// Python: `with ThreadPoolExecutor() as executor:` — here `await using`: the
// pool is shut down (waiting for its tasks) when the block ends.
import { ShutdownError, ThreadPoolExecutor } from 'rxfutures';

async function main(): Promise<void> {
  let escaped: ThreadPoolExecutor;
  {
    await using executor = new ThreadPoolExecutor({ maxWorkers: 2 });
    escaped = executor;
    const futures = [1, 2, 3].map((n) => executor.submit((x: number) => x + 1, n));
    console.log('inside the block:', await Promise.all(futures));
  }
  try {
    escaped.submit((x: number) => x, 1);
  } catch (err) {
    console.log('after the block:', err instanceof ShutdownError, (err as Error).message);
  }
}

void main();
