// Python: cancel() succeeds on a queued task, fails on a running one —
// unless you ask rxfutures to interrupt it (the worker is replaced).
import path from 'node:path';
import { ThreadPoolExecutor, taskModule } from 'rxfutures';

const tasks = taskModule<typeof import('../tasks')>(path.join(__dirname, '../tasks.ts'));

async function main(): Promise<void> {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  const running = executor.submit(tasks.loadPage, 'http://slow.example/', 1_000);
  const queued = executor.submit(tasks.loadPage, 'http://queued.example/', 10);
  // The first call went straight to the idle worker: it is running; the second waits.
  console.log('cancel queued:', queued.cancel(), queued.state);
  console.log('cancel running:', running.cancel(), running.state);
  console.log('cancel running with interrupt:', running.cancel({ interrupt: true }), running.state);
}

void main();
