// Python's ThreadPoolExecutor example: load URLs, print each as it completes.
import path from 'node:path';
import { ThreadPoolExecutor, asCompleted, taskModule, type Future } from 'rxfutures';

const tasks = taskModule<typeof import('../tasks')>(path.join(__dirname, '../tasks.ts'));

const URLS = ['http://www.foxnews.com/', 'http://www.cnn.com/', 'http://europe.wsj.com/', 'http://www.bbc.co.uk/', 'http://nonexistent-subdomain.python.org/'];

async function main(): Promise<void> {
  await using executor = new ThreadPoolExecutor({ maxWorkers: 5 });
  const urlOf = new Map<Future<number>, string>();
  for (const url of URLS) urlOf.set(executor.submit(tasks.loadPage, url, 50), url);
  for await (const done of asCompleted(urlOf.keys(), { timeout: 60_000 })) {
    // At run time `done` is the Future itself; TypeScript types for-await variables as
    // awaited values (a Future is thenable), hence the cast (see docs/semantics.md).
    const future = done as unknown as Future<number>;
    const url = urlOf.get(future)!;
    try {
      console.log(`${url} page is ${await future.result()} bytes`);
    } catch (exc) {
      console.log(`${url} generated an exception: ${(exc as Error).message}`);
    }
  }
}

void main();
