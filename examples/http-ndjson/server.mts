// A plain node:http server that streams prime checks as NDJSON, one line per
// number in the order asked, computed on a thread pool. A client that leaves
// unsubscribes, which interrupts the calls still running for it.
//   npm run build && cd examples/http-ndjson && node --import tsx server.mts
//   curl -N 'http://127.0.0.1:3000/primes?n=97,1000037,618970019642690137449562111'
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { from, map } from 'rxjs';
import { ThreadPoolExecutor, mapOrdered$, taskModule } from 'rxfutures';
import { kBadNumbers, parseNumbers } from './parseNumbers.mjs';

// import.meta.resolve names the task module in both lives of this ESM file: tasks.mts under tsx,
// tasks.mjs once compiled.
const tasks = taskModule<typeof import('./tasks.mjs')>(import.meta.resolve('./tasks.mjs'));

// Calls started so far, counted by the workers themselves (shared memory).
const started = new Int32Array(new SharedArrayBuffer(4));
const pool = new ThreadPoolExecutor({ initializer: tasks.shareCounter, initargs: [started.buffer as SharedArrayBuffer] });

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/stats') return json(res, 200, { ...pool.stats, maxWorkers: pool.maxWorkers, started: Atomics.load(started, 0) });
  if (url.pathname !== '/primes') return json(res, 404, { error: 'not found' });
  const numbers = parseNumbers(url.searchParams.getAll('n'));
  if (numbers === undefined) return json(res, 400, { error: kBadNumbers });

  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const subscription = from(numbers)
    .pipe(
      mapOrdered$(pool, tasks.isPrime),
      map((prime, i) => ({ n: numbers[i].toString(), prime })),
    )
    .subscribe({
      next: (answer) => res.write(`${JSON.stringify(answer)}\n`),
      // The status line is sent already: a failure is the stream's last line.
      error: (err: unknown) => res.end(`${JSON.stringify({ error: err instanceof Error ? err.message : String(err) })}\n`),
      complete: () => res.end(),
    });
  // 'close' comes when the response ended or the client left; unsubscribing then interrupts what still runs.
  res.on('close', () => subscription.unsubscribe());
});

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

// Ctrl-C or SIGTERM: stop accepting, drop the open streams (which interrupts their calls), end the threads.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
    void pool.shutdown({ cancelFutures: true });
  });
}
