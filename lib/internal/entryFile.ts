/**
 * Where a pool's far-side entry file (the thread pool's worker, the process
 * pool's child) is: the `workerFilename` option, or the first of a few
 * default places. Existence is checked lazily, on the first submit, so a
 * missing entry is an error there and not a crash at construction.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder this code runs from: `__dirname` of the built module, or of the
 * bundle it was bundled into. An ES-module bundle has no `__dirname` (unless
 * a banner defines it); the entry script's folder stands in for it there.
 */
function hereDir(): string {
  if (typeof __dirname === 'string') return __dirname;
  const main = process.argv[1];
  return main ? path.dirname(path.resolve(main)) : process.cwd();
}

/**
 * The entry's absolute path: the `workerFilename` option (an absolute path, a
 * `file:` URL string or a URL), else the first default place that exists, else
 * the first default place (so the error on first submit names it).
 *
 * @param option - the user's `workerFilename`, unchecked
 * @param baseName - the entry's file name without extension (`rxfutures-worker`)
 * @param fromBuild - the entry's path relative to `dist/cjs/` in the package
 * @throws TypeError for an option that is not an absolute path or a file URL
 */
export function entryFile(option: unknown, baseName: string, fromBuild: string): { file: string; searched: string[] } {
  if (option !== undefined) {
    const file = entryOption(option);
    return { file, searched: [file] };
  }
  const here = hereDir();
  const searched = [
    // Bundled: the entry emitted beside the bundle (CommonJS or ES-module output).
    path.join(here, `${baseName}.js`),
    path.join(here, `${baseName}.cjs`),
    path.join(here, `${baseName}.mjs`),
    // The package as published: dist/cjs/<pool>/ → dist/cjs/<entry>.
    path.resolve(here, '..', fromBuild),
    // Running from source (ts-jest in a clone): lib/<pool>/ → dist/cjs/<entry>.
    path.resolve(here, '../../dist/cjs', fromBuild),
  ];
  return { file: searched.find((f) => existsSync(f)) ?? searched[0], searched };
}

function entryOption(option: unknown): string {
  if (option instanceof URL) {
    if (option.protocol !== 'file:') throw new TypeError(`options.workerFilename must be a file: URL, got ${option.href}`);
    return fileURLToPath(option);
  }
  if (typeof option !== 'string' || option === '') {
    throw new TypeError(`options.workerFilename must be an absolute path or a file: URL, got ${option === null ? 'null' : typeof option}`);
  }
  if (option.startsWith('file:')) return fileURLToPath(option);
  if (!path.isAbsolute(option)) {
    throw new TypeError(
      `options.workerFilename must be an absolute path or a file: URL, got the relative path ${JSON.stringify(option)}; ` +
        "use path.join(__dirname, 'rxfutures-worker.js') or new URL('./rxfutures-worker.js', import.meta.url)",
    );
  }
  return option;
}

/**
 * Why the entry cannot be used, or undefined if the file is there. The text
 * names the file and the fix for each way people run into it.
 *
 * @param what - `"the thread pool's worker entry"`
 * @param exported - the package export a bundler takes it from (`rxfutures/worker`)
 */
export function missingEntryMessage(file: string, searched: string[], what: string, exported: string, option: string): string | undefined {
  if (existsSync(file)) return undefined;
  const baseName = path.basename(searched[0]);
  return (
    `rxfutures: ${what} was not found at ${file}` +
    (searched.length > 1 ? ` (nor at ${searched.slice(1).join(', ')})` : '') +
    `. In a bundled app, emit '${exported}' as an entry of its own named ${baseName} beside your bundle, ` +
    `or pass its path as the ${option} option (see docs/bundling.md). In a clone of rxfutures, run npm run build.`
  );
}

/**
 * The fix to add to "a worker thread failed to start" when the thread that
 * failed is Piscina's own bootstrap, `worker.js`: Piscina looks for it beside
 * itself, which in a bundle is beside the bundle.
 */
export function piscinaWorkerHint(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e?.code !== 'MODULE_NOT_FOUND' || typeof e.message !== 'string' || !/[\\/]worker\.js'?$/.test(e.message)) return '';
  return (
    " (Piscina starts its own worker.js from beside itself: in a bundle that contains Piscina, emit piscina's dist/worker.js " +
    'as an entry named worker.js beside the bundle, or bundle with --external:piscina and install piscina; see docs/bundling.md)'
  );
}
