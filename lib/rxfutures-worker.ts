/**
 * The thread pool's worker entry, published as `rxfutures/worker`
 * (dist/cjs/rxfutures-worker.js): the file Piscina loads in every worker
 * thread. It has a name of its own so that a bundler can emit it as a second
 * entry beside the app (`rxfutures-worker.js`) without colliding with
 * Piscina's own bootstrap, which Piscina always looks for as `worker.js`
 * beside itself. See docs/bundling.md.
 */
import { isMainThread, parentPort } from 'node:worker_threads';
import handle from './threadPool/worker';

// Piscina's bootstrap listens on parentPort before it loads this file. If
// nobody listens, this file was started as the thread's main script — named
// `worker.js` beside a bundle that contains Piscina, so Piscina took it for
// its bootstrap. Left alone, the thread would exit quietly and the app with
// it; failing here makes the pool report it on the first submit.
if (!isMainThread && parentPort !== null && parentPort.listenerCount('message') === 0) {
  throw new Error(
    "rxfutures: the rxfutures worker entry was started as Piscina's worker bootstrap: Piscina runs the file named worker.js beside itself. " +
      "Name this entry rxfutures-worker.js (not worker.js), and emit Piscina's own worker (piscina/dist/worker.js) as worker.js " +
      'or keep piscina external (see docs/bundling.md)',
  );
}

// `export =` (module.exports is the handler itself), so an ES-module bundle of this file, whose
// default export is module.exports, still hands Piscina a function.
export = handle;
