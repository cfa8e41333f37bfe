'use strict';
// Placeholder demo until the file-search demo lands: runs a few tasks on the
// thread pool and prints them as they complete.
const { ThreadPoolExecutor, asCompleted } = require('../dist/cjs');

async function main() {
  const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
  const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));
  void fib;
  const futures = [30, 25, 32, 20].map((n) =>
    pool.submit((k) => {
      const f = (x) => (x < 2 ? x : f(x - 1) + f(x - 2));
      return [k, f(k)];
    }, n),
  );
  for await (const done of asCompleted(futures)) {
    const [n, value] = done.resultNow();
    console.log(`fib(${n}) = ${value}`);
  }
  await pool.shutdown();
}

main();
