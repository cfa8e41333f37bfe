// Python: wait(fs, return_when=FIRST_COMPLETED) — take the fastest answer, cancel the rest.
import path from 'node:path';
import { FIRST_COMPLETED, ThreadPoolExecutor, taskModule, wait } from 'rxfutures';

const tasks = taskModule<typeof import('../tasks')>(path.join(__dirname, '../tasks.ts'));

async function main(): Promise<void> {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 3 });
  const mirrors = [executor.submit(tasks.delayed, 'mirror A', 300), executor.submit(tasks.delayed, 'mirror B', 20), executor.submit(tasks.delayed, 'mirror C', 500)];
  const { done, notDone } = await wait(mirrors, { returnWhen: FIRST_COMPLETED });
  const [first] = done;
  console.log('first answer from', await first, `(${notDone.size} still running)`);
  for (const f of notDone) f.cancel({ interrupt: true });
}

void main();
