// Python: future.add_done_callback(fn) — runs once the future is done, in the order added.
import { ThreadPoolExecutor } from 'rxfutures';

async function main(): Promise<void> {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 2 });
  const future = executor.submit((n: number) => n * n, 12);
  future.addDoneCallback((f) => console.log('first callback: state', f.state));
  future.addDoneCallback((f) => console.log('second callback: result', f.resultNow()));
  await future;
  future.addDoneCallback(() => console.log('added after completion: runs at once'));
}

void main();
