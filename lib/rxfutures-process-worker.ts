/**
 * The process pool's child entry, published as `rxfutures/process-worker`
 * (dist/cjs/rxfutures-process-worker.js): the file ProcessPoolExecutor forks.
 * A bundled app emits it as a second entry named `rxfutures-process-worker.js`
 * beside the bundle, or names it with the `workerFilename` option. See
 * docs/bundling.md.
 */
import './processPool/child';
