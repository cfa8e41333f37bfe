/**
 * Far side (worker thread or child process): turns a TaskDescriptor into a
 * callable, once per worker.
 * Module tasks are loaded with require (ESM through a real dynamic import);
 * TypeScript task modules load through tsx/ts-node if registered, else
 * Node's own type stripping where it is on, else a transpile-only hook on
 * the app's `typescript` (5.x, 6.x; typeScriptHook.ts) — that is what makes
 * them work under Jest, whose transform does not reach worker threads. Inline tasks are compiled from
 * source once and cached by source.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TaskDescriptor } from './TaskDescriptor';
import type * as TypeScriptHook from './typeScriptHook';

/** A task's function, as loaded. */
export type Callable = (...args: unknown[]) => unknown;

// A real `import()`: tsc's CommonJS output would turn a literal one into require().
const importESM = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<Record<string, unknown>>;
// Resolves package names the way the user's code would: from the working directory.
const userRequire = createRequire(path.join(process.cwd(), '[rxfutures task loader]'));

const moduleCache = new Map<string, Promise<Record<string, unknown>>>();
const inlineCache = new Map<string, Callable>();

// Module tasks already loaded, by specifier then export: found without a promise (loadedTask), and
// without building a key string on every call.
const loadedModuleTasks = new Map<string, Map<string, Callable>>();

/**
 * The function of a task loaded before, or undefined: the synchronous fast
 * path for every call after a task's first (a descriptor arrives as a fresh
 * copy with each message, so it is looked up by content).
 */
export function loadedTask(descriptor: TaskDescriptor): Callable | undefined {
  if (descriptor.kind === 'inline') return inlineCache.get(descriptor.source);
  return loadedModuleTasks.get(descriptor.specifier)?.get(descriptor.exportName);
}

/** @returns the function a descriptor names; throws a clear error if it cannot. */
export async function loadTask(descriptor: TaskDescriptor): Promise<Callable> {
  if (descriptor.kind === 'inline') return compileInline(descriptor.source);
  const fn = await loadModuleTask(descriptor);
  let exports = loadedModuleTasks.get(descriptor.specifier);
  if (exports === undefined) loadedModuleTasks.set(descriptor.specifier, (exports = new Map()));
  exports.set(descriptor.exportName, fn);
  return fn;
}

async function loadModuleTask(descriptor: TaskDescriptor & { kind: 'module' }): Promise<Callable> {
  const mod = await loadModule(descriptor.specifier);
  const { exportName } = descriptor;
  let fn = mod[exportName];
  // A CommonJS module that is itself the function serves as its default export.
  if (fn === undefined && exportName === 'default' && typeof mod === 'function') fn = mod;
  if (typeof fn !== 'function') {
    const available = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    throw new TypeError(
      `task module ${descriptor.specifier} has no function export named ${JSON.stringify(exportName)}` +
        ` (function exports: ${available.length ? available.join(', ') : 'none'})`,
    );
  }
  return fn as Callable;
}

function loadModule(specifier: string): Promise<Record<string, unknown>> {
  let loaded = moduleCache.get(specifier);
  if (loaded === undefined) {
    loaded = doLoadModule(specifier);
    moduleCache.set(specifier, loaded);
  }
  return loaded;
}

async function doLoadModule(specifier: string): Promise<Record<string, unknown>> {
  const file = specifier.startsWith('file:') ? fileURLToPath(specifier) : specifier;
  if (path.isAbsolute(file)) {
    // Loaded for TypeScript task modules only: the hook's transpile cache needs node:crypto, which a
    // worker running JavaScript tasks would otherwise compile at start-up for nothing.
    if (/\.[cm]?tsx?$/.test(file)) (require('./typeScriptHook') as typeof TypeScriptHook).ensureTypeScriptSupport(file, userRequire);
    try {
      return userRequire(file) as Record<string, unknown>;
    } catch (err) {
      if (!isRequireEsmError(err)) throw err;
      return importESM(pathToFileURL(file).href);
    }
  }
  // A package name.
  let resolved: string;
  try {
    resolved = userRequire.resolve(file);
  } catch {
    // ESM-only packages may have no `require` condition: let import() resolve it.
    return importESM(file);
  }
  try {
    return userRequire(resolved) as Record<string, unknown>;
  } catch (err) {
    if (!isRequireEsmError(err)) throw err;
    return importESM(pathToFileURL(resolved).href);
  }
}

function isRequireEsmError(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'ERR_REQUIRE_ESM' || code === 'ERR_REQUIRE_ASYNC_MODULE';
}

// tslib-compatible helpers, so inline tasks compiled by tsc/ts-jest (which
// turn `await import(x)` into `__importStar(require(x))`) still run.
function importStar(mod: unknown): unknown {
  if (mod !== null && typeof mod === 'object' && (mod as { __esModule?: boolean }).__esModule) return mod;
  return { ...(mod as object), default: mod };
}
function importDefault(mod: unknown): unknown {
  return mod !== null && typeof mod === 'object' && (mod as { __esModule?: boolean }).__esModule ? mod : { default: mod };
}

function compileInline(source: string): Callable {
  let fn = inlineCache.get(source);
  if (fn === undefined) {
    const factory = new Function('require', '__importStar', '__importDefault', `'use strict'; return (${source});`);
    fn = factory(userRequire, importStar, importDefault) as Callable;
    inlineCache.set(source, fn);
  }
  return fn;
}
