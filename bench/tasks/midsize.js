'use strict';
// The mid-size suite's work: `spin` (counted CPU) and `hashFile` (read + sha256), in the shapes
// each runner expects. The same file is the raw worker_threads pair's worker: it takes a batch
// of calls ({ spin, count } or { files }) and answers once with all results — hand batching.
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { isMainThread, parentPort, workerData } = require('node:worker_threads');

// Counted CPU that costs the same in every thread: sha256 over a 4 KiB buffer, `rounds` times
// (native code, so it does not depend on how V8 happens to optimise a JS loop in each isolate;
// spin.js's loop was measured 4× apart between threads).
const kBlock = Buffer.alloc(4096, 7);
function spin(rounds) {
  let digest = kBlock.subarray(0, 32);
  for (let i = 0; i < rounds; i++) digest = createHash('sha256').update(kBlock).update(digest).digest();
  return digest[0];
}

function hashFile(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

// Piscina's default export: one call per run.
module.exports = (m) => (m.file !== undefined ? hashFile(m.file) : spin(m.spin));
module.exports.spin = spin;
module.exports.hashFile = hashFile;

if (!isMainThread && workerData?.raw === true) {
  parentPort.on('message', (m) => {
    if (m.files !== undefined) parentPort.postMessage(m.files.map(hashFile));
    else {
      const out = new Array(m.count);
      for (let i = 0; i < m.count; i++) out[i] = spin(m.spin);
      parentPort.postMessage(out);
    }
  });
}
