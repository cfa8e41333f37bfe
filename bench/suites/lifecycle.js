'use strict';
/** 6. Cold start to first result, and shutdown time, against Piscina. */
const path = require('node:path');
const { Piscina } = require('piscina');
const { ThreadPoolExecutor, task } = require('../../dist/cjs');
const { medianOf } = require('../lib');

const double = path.join(__dirname, '../tasks/double.js');

async function measure(create, first, close) {
  let coldMs = 0;
  let shutdownMs = 0;
  coldMs = await medianOf(async () => {
    const t0 = performance.now();
    const pool = create();
    await first(pool);
    const cold = performance.now() - t0;
    const t1 = performance.now();
    await close(pool);
    shutdownMs = performance.now() - t1;
    return cold;
  });
  return { coldMs, shutdownMs };
}

module.exports = async function lifecycle() {
  const t = task(double, 'double');
  const ours = await measure(() => new ThreadPoolExecutor({ maxWorkers: 2 }), (p) => p.submit(t, 1), (p) => p.shutdown());
  const raw = await measure(
    () => new Piscina({ filename: double, minThreads: 0, maxThreads: 2, idleTimeout: Infinity }),
    (p) => p.run(1),
    (p) => p.destroy(),
  );
  return [
    { suite: 'lifecycle', name: 'raw Piscina cold start to first result', value: raw.coldMs, unit: 'ms' },
    { suite: 'lifecycle', name: 'rxfutures cold start to first result', value: ours.coldMs, unit: 'ms' },
    { suite: 'lifecycle', name: 'raw Piscina destroy()', value: raw.shutdownMs, unit: 'ms' },
    { suite: 'lifecycle', name: 'rxfutures shutdown()', value: ours.shutdownMs, unit: 'ms' },
  ];
};
