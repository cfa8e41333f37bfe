// Python: a killed worker breaks a ProcessPoolExecutor (BrokenProcessPool). On the
// thread pool only that task fails (WorkerExitError, a BrokenExecutor); the worker is
// replaced and the pool keeps serving.
import path from 'node:path';
import { BrokenExecutor, ThreadPoolExecutor, taskModule } from 'rxfutures';

const tasks = taskModule<typeof import('../tasks')>(path.join(__dirname, '../tasks.ts'));

async function main(): Promise<void> {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  const err = await executor.submit(tasks.crash).exception();
  console.log('the crashed task:', (err as Error).name, err instanceof BrokenExecutor);
  console.log('the next task:', await executor.submit(tasks.sha256, 'still serving'));
}

void main();
