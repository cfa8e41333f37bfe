/**
 * Far side: makes TypeScript task modules loadable in a worker thread or
 * child process that has no TypeScript loader of its own (under Jest, whose
 * transform does not reach workers, or plain node with a `.ts` specifier).
 */
import { readFileSync } from 'node:fs';
import { readTranspiled, transpileCacheDir, transpileCacheKey, writeTranspiled } from './transpileCache';

type TypeScript = typeof import('typescript');

// What the hook asks of transpileModule, by name: part of the cache key (the enums are numbers that
// could change between TypeScript versions; the names cannot).
const kOptions = { module: 'CommonJS', target: 'ES2022', esModuleInterop: true, inlineSourceMap: true } as const;

/**
 * Makes a TypeScript task module loadable in this worker, in this order:
 * a loader already registered (tsx, ts-node, or ours from an earlier task);
 * Node's own type stripping, where it is on (Node 22.18+/23.6+, or 22.6+ with
 * `--experimental-strip-types`): Node loads the file itself; `typescript`
 * 5.x or 6.x from the app, used transpile-only (its `transpileModule`).
 * TypeScript 7 ships a native compiler without that JavaScript API, so with
 * it alone (on a Node without type stripping) the error says what to add.
 *
 * The `typescript` package itself is loaded only when a module is not in the
 * transpile cache (transpileCache.ts): its version, read from its
 * package.json, is part of the key.
 *
 * @param file the task module about to be loaded (for the error)
 * @param userRequire a require that resolves from the app's working directory
 * @throws Error naming what to install when none of these is there
 */
export function ensureTypeScriptSupport(file: string, userRequire: NodeJS.Require): void {
  const extensions = userRequire.extensions;
  if (extensions['.ts'] !== undefined) return;
  if ((process.features as { typescript?: unknown }).typescript) return;
  const version = typeScriptVersion(userRequire);
  // Only 5.x and 6.x have the transpile API; anything else is checked (and explained) now.
  let ts = version !== undefined && /^[56]\./.test(version) ? undefined : loadTypeScript(file, userRequire);
  const cacheDir = version === undefined ? undefined : transpileCacheDir();
  const compile = (module: NodeJS.Module, filename: string): void => {
    const source = readFileSync(filename, 'utf8');
    const key = cacheDir === undefined ? undefined : transpileCacheKey({ typescript: version!, options: kOptions, fileName: filename, source });
    let code = key === undefined ? undefined : readTranspiled(cacheDir!, key);
    if (code === undefined) {
      ts ??= loadTypeScript(filename, userRequire);
      code = ts.transpileModule(source, {
        fileName: filename,
        compilerOptions: {
          module: ts.ModuleKind[kOptions.module],
          target: ts.ScriptTarget[kOptions.target],
          esModuleInterop: kOptions.esModuleInterop,
          inlineSourceMap: kOptions.inlineSourceMap,
        },
      }).outputText;
      if (key !== undefined && ts.version === version) writeTranspiled(cacheDir!, key, code);
    }
    (module as unknown as { _compile(code: string, file: string): void })._compile(code, filename);
  };
  for (const ext of ['.ts', '.cts', '.mts', '.tsx']) extensions[ext] = compile;
}

/** The app's typescript version, from its package.json (without loading the compiler), or undefined. */
function typeScriptVersion(userRequire: NodeJS.Require): string | undefined {
  try {
    const { version } = JSON.parse(readFileSync(userRequire.resolve('typescript/package.json'), 'utf8')) as { version?: unknown };
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}

/** The app's typescript, if it has the transpile API; else the error that says what to install. */
function loadTypeScript(file: string, userRequire: NodeJS.Require): TypeScript {
  let ts: Partial<TypeScript> | undefined;
  try {
    ts = userRequire('typescript') as Partial<TypeScript>;
  } catch {
    ts = undefined;
  }
  if (typeof ts?.transpileModule !== 'function' || ts.ModuleKind === undefined || ts.ScriptTarget === undefined) {
    const found =
      ts === undefined
        ? 'no typescript package is installed'
        : `typescript ${String(ts.version ?? '(unknown version)')} is installed, which has no JavaScript transpile API (TypeScript 7 is a native compiler)`;
    throw new Error(
      `rxfutures: cannot load the TypeScript task module ${file}: ${found}, and Node ${process.versions.node} does not strip types. ` +
        'Install typescript 5.x or 6.x (npm install --save-dev typescript@6; rxfutures uses it transpile-only), ' +
        'or run under tsx (node --import tsx), or use Node >= 22.18 (or 22.6+ with --experimental-strip-types), ' +
        'or point the task at the compiled .js file',
    );
  }
  return ts as TypeScript;
}
