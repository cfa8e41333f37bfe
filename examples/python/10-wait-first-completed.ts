// Python: wait(fs, return_when=FIRST_COMPLETED) — take the fastest answer, cancel the rest.
import path from 'node:path';
import { FIRST_COMPLETED, ThreadPoolExecutor, taskModule, wait } from 'rxfutures';

const tasks = taskModule<typeof import('../tasks')>(path.join(__dirname, '../tasks.ts'));

async function main(): Promise<void> {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 3 });
  // Mirrors A and C are the slow ones: they answer only once this gate opens, and it stays shut.
  const slow = new Int32Array(new SharedArrayBuffer(4));
  const mirrors = [executor.submit(tasks.mirror, 'mirror A', slow), executor.submit(tasks.mirror, 'mirror B'), executor.submit(tasks.mirror, 'mirror C', slow)];
  const { done, notDone } = await wait(mirrors, { returnWhen: FIRST_COMPLETED });
  const [first] = done;
  console.log('first answer from', await first, `(${notDone.size} still running)`);
  for (const f of notDone) f.cancel({ interrupt: true });
}

void main();
