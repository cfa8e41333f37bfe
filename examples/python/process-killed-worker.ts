// Python: a worker process that dies breaks a ProcessPoolExecutor. The future
// it was running and every pending one fail with BrokenProcessPool, and so
// does every later submit. (On a ThreadPoolExecutor only the one task fails:
// see 09-killed-worker.ts.)
import path from 'node:path';
import { BrokenProcessPool, ProcessPoolExecutor, taskModule } from 'rxfutures';

const tasks = taskModule<typeof import('../tasks')>(path.join(__dirname, '../tasks.ts'));

async function main(): Promise<void> {
  await using executor = new ProcessPoolExecutor({ maxWorkers: 1 });
  const crashed = executor.submit(tasks.crash); // calls process.exit(1) in the child
  const pending = executor.submit(tasks.isPrime, 1000037); // waits for the only child
  const err = await crashed.exception();
  console.log('the crashed task:', (err as Error).name, err instanceof BrokenProcessPool);
  console.log('the pending task:', ((await pending.exception()) as Error).name);
  try {
    executor.submit(tasks.isPrime, 7);
  } catch (later) {
    console.log('a later submit throws:', (later as Error).name, later instanceof BrokenProcessPool);
  }
}

void main();
