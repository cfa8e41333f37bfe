// Python: for result in executor.map(fn, items): … — results come in input
// order, although the calls run in parallel and finish in any order.
import path from 'node:path';
import { ThreadPoolExecutor, taskModule } from 'rxfutures';

const tasks = taskModule<typeof import('../tasks')>(path.join(__dirname, '../tasks.ts'));

async function main(): Promise<void> {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 4 });
  // The first item takes longest, the last one is quickest.
  const items: [string, number][] = [['a', 300], ['b', 200], ['c', 100], ['d', 10]];
  const results: string[] = [];
  for await (const value of executor.map(tasks.echoAfter, items)) results.push(value);
  console.log('in input order:', results.join(', '));
}

void main();
