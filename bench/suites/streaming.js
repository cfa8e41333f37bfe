'use strict';
/** 2. Streaming: 100,000 tiny items through executor.map and mapOrdered$ with default options. */
const path = require('node:path');
const { Piscina } = require('piscina');
const { from, lastValueFrom, count } = require('rxjs');
const { ThreadPoolExecutor, task, mapOrdered$ } = require('../../dist/cjs');
const { medianOf, rate } = require('../lib');

const N = Number(process.env.BENCH_N ?? 100_000);
const double = path.join(__dirname, '../tasks/double.js');
const items = Array.from({ length: N }, (_, i) => i);

module.exports = async function streaming() {
  const rows = [];
  const add = (name, value) => rows.push({ suite: 'streaming', name, value, unit: 'items/s' });

  const piscina = new Piscina({ filename: double, minThreads: 2, maxThreads: 2, idleTimeout: Infinity });
  add('raw Piscina, one run per item', await medianOf(() => rate(N, () => Promise.all(items.map((i) => piscina.run(i))))));
  await piscina.destroy();

  const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
  const t = task(double, 'double');
  add(
    'rxfutures executor.map',
    await medianOf(() =>
      rate(N, async () => {
        for await (const _ of pool.map(t, items)) void _;
      }),
    ),
  );
  add(
    'rxfutures mapOrdered$',
    await medianOf(() => rate(N, () => lastValueFrom(from(items).pipe(mapOrdered$(pool, t), count())))),
  );
  await pool.shutdown();
  return rows;
};
