// Python: a task's exception is stored in its future and re-raised by result().
import path from 'node:path';
import { ThreadPoolExecutor, taskModule } from 'rxfutures';

const tasks = taskModule<typeof import('../tasks')>(path.join(__dirname, '../tasks.ts'));

async function main(): Promise<void> {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  const future = executor.submit(tasks.loadPage, 'http://nonexistent.example/', 1);
  const stored = (await future.exception()) as Error & { code?: string };
  console.log('stored:', stored.name, stored.code, stored.message);
  try {
    await future.result();
  } catch (err) {
    console.log('re-raised by result():', (err as Error).message === stored.message);
    console.log('worker stack kept:', String((err as Error).stack).includes('tasks.ts'));
  }
}

void main();
