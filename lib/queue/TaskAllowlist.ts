/**
 * Worker side: the task modules and exports a queue worker may run. Whoever
 * can write to Redis can add a job naming any module; without this list a
 * job naming `node:child_process` `execSync` would run a shell command. As
 * Celery runs registered tasks only and BullMQ one processor per queue, a
 * worker runs only what it was started with.
 *
 * Modules are compared by the real path of the file they resolve to here
 * (`realpath`), so `../` detours and symlinks name the same file or none.
 * The worker then loads the file it checked, never the job's string again.
 */
import { realpathSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isTask, type Task } from '../Task';
import { describe } from '../internal/validate';
import { TaskNotAllowedError } from './errors';

/**
 * One entry of a worker's allowlist:
 * - a module — an absolute path, a `file:` URL, a package name, or a path
 *   relative to the working directory (`./tasks.js`): all its own function
 *   exports may run;
 * - the same followed by `#` and export names (`'./tasks.js#resize,hash'`),
 *   or `{ module, exports }`: only those exports;
 * - a `Task` (`task(path, 'resize')`, or a property of a `taskModule`): that export.
 *
 * @example
 * ```ts
 * const tasks: QueueTaskEntry[] = ['/srv/app/tasks.js', 'my-tasks#resize,hash', { module: './more.js', exports: ['crop'] }];
 * ```
 */
export type QueueTaskEntry = string | Task | { module: string; exports?: readonly string[] };

/** What a refused lookup says, and the file an allowed one loads. */
export type AllowlistVerdict = { allowed: true; file: string } | { allowed: false; why: string };

// Names no task may have: reading them finds Object.prototype's, not the module's.
const kForbiddenExports = new Set(['__proto__', 'constructor', 'prototype']);
// Longest specifier and export name a job may name (a path, a package name).
const kMaxSpecifier = 4096;
const kMaxExportName = 256;
// Specifiers resolved so far (either way); cleared when full, so a flood of names costs memory once.
const kMaxResolved = 1024;

// A real `import()`: tsc's CommonJS output would turn a literal one into require().
const importESM = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<Record<string, unknown>>;

/**
 * A worker's allowlist, resolved and loaded (see the module comment).
 * @example
 * ```ts
 * const allowlist = await TaskAllowlist.load(['./tasks.js#resize'], 'startQueueWorker: options.tasks');
 * allowlist.check('/srv/app/tasks.js', 'resize'); // { allowed: true, file: '/srv/app/tasks.js' }
 * ```
 * @internal
 */
export class TaskAllowlist {
  // Allowed exports, by the real path of their module.
  readonly #modules: Map<string, Set<string>>;
  // What each specifier a job named resolved to (a real path, or why not).
  readonly #resolved = new Map<string, string | { why: string }>();
  // Resolves package names as the task loader does: from the working directory.
  readonly #require = createRequire(path.join(process.cwd(), '[rxfutures allowlist]'));

  private constructor(modules: Map<string, Set<string>>) {
    this.#modules = modules;
  }

  /**
   * Resolves every entry and loads each module once, to learn its own
   * function exports: a list naming a module or an export that is not
   * there fails here, at start, not at the first job.
   * @param where - the option's name, for messages
   * @throws TypeError for a missing, empty or malformed list, a module that does not resolve or load, or an export it lacks
   */
  static async load(tasks: unknown, where: string): Promise<TaskAllowlist> {
    const entries = parseEntries(tasks, where);
    const list = new TaskAllowlist(new Map());
    const loaded = new Map<string, Set<string>>();
    for (const { module, exports } of entries) {
      const file = list.#resolve(module, true);
      if (typeof file !== 'string') throw new TypeError(`${where}: cannot allow ${JSON.stringify(module)}: ${file.why}`);
      let own = loaded.get(file);
      if (own === undefined) {
        own = await ownFunctionExports(file).catch((error: Error) => {
          throw new TypeError(`${where}: cannot load task module ${JSON.stringify(module)} (${file}): ${error.message}`, { cause: error });
        });
        loaded.set(file, own);
      }
      let allowed = list.#modules.get(file);
      if (allowed === undefined) list.#modules.set(file, (allowed = new Set()));
      for (const name of exports ?? own) {
        if (!own.has(name)) {
          throw new TypeError(`${where}: task module ${JSON.stringify(module)} has no function export ${JSON.stringify(name)} (it has: ${[...own].join(', ') || 'none'})`);
        }
        allowed.add(name);
      }
    }
    list.#resolved.clear();
    return list;
  }

  /** How many modules are listed. */
  get size(): number {
    return this.#modules.size;
  }

  /**
   * May a job run export `exportName` of `specifier`? Both come from Redis:
   * anything but two reasonable strings naming a listed export is refused.
   */
  check(specifier: unknown, exportName: unknown): AllowlistVerdict {
    if (typeof specifier !== 'string' || specifier === '' || specifier.length > kMaxSpecifier) {
      return { allowed: false, why: `the module must be a non-empty string of at most ${kMaxSpecifier} characters` };
    }
    if (typeof exportName !== 'string' || exportName === '' || exportName.length > kMaxExportName) {
      return { allowed: false, why: `the export name must be a non-empty string of at most ${kMaxExportName} characters` };
    }
    if (kForbiddenExports.has(exportName)) return { allowed: false, why: `${JSON.stringify(exportName)} is never a task` };
    const file = this.#resolve(specifier, false);
    if (typeof file !== 'string') return { allowed: false, why: file.why };
    const allowed = this.#modules.get(file);
    if (allowed === undefined) return { allowed: false, why: "the module is not on this worker's allowlist" };
    if (!allowed.has(exportName)) return { allowed: false, why: "the export is not on this worker's allowlist for that module" };
    return { allowed: true, file };
  }

  /**
   * `check`, throwing what a refused job fails with.
   * @throws TaskNotAllowedError
   */
  assert(specifier: unknown, exportName: unknown): string {
    const verdict = this.check(specifier, exportName);
    if (verdict.allowed) return verdict.file;
    throw new TaskNotAllowedError(String(specifier).slice(0, 200), String(exportName).slice(0, 200), verdict.why);
  }

  // The real path of the file a specifier names here, or why it names none we would load.
  #resolve(specifier: string, listed: boolean): string | { why: string } {
    let found = this.#resolved.get(specifier);
    if (found === undefined) {
      found = resolveFile(specifier, listed, this.#require);
      if (this.#resolved.size >= kMaxResolved) this.#resolved.clear();
      this.#resolved.set(specifier, found);
    }
    return found;
  }
}

function resolveFile(specifier: string, listed: boolean, req: NodeJS.Require): string | { why: string } {
  if (isBuiltin(specifier)) return { why: 'a Node.js built-in module is never a task' };
  let file: string;
  if (specifier.startsWith('file:')) {
    try {
      file = fileURLToPath(specifier);
    } catch {
      return { why: 'not a valid file: URL' };
    }
  } else if (/^[a-z][a-z\d+.-]*:/i.test(specifier) && !path.isAbsolute(specifier)) {
    return { why: 'only files are tasks, not data:, http(s): or other URLs' };
  } else if (path.isAbsolute(specifier)) {
    file = specifier;
  } else if (specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..') {
    // Producers send absolute paths or package names; only the worker's own list may be relative.
    if (!listed) return { why: 'a relative path is never a task (producers send absolute paths or package names)' };
    file = path.resolve(specifier);
  } else {
    try {
      file = req.resolve(specifier);
    } catch {
      return { why: 'the package does not resolve on this worker' };
    }
    if (!path.isAbsolute(file)) return { why: 'a Node.js built-in module is never a task' };
  }
  try {
    return realpathSync(file);
  } catch {
    return { why: 'no such file on this worker' };
  }
}

/** The names of a module's own function exports (`default` for a CommonJS module that is a function). */
async function ownFunctionExports(file: string): Promise<Set<string>> {
  let mod: unknown;
  try {
    mod = require(file);
  } catch (error) {
    const code = (error as { code?: string } | null)?.code;
    if (code !== 'ERR_REQUIRE_ESM' && code !== 'ERR_REQUIRE_ASYNC_MODULE') throw error;
    mod = await importESM(pathToFileURL(file).href);
  }
  const names = new Set<string>();
  if (typeof mod === 'function') names.add('default');
  if ((typeof mod === 'object' || typeof mod === 'function') && mod !== null) {
    for (const name of Object.getOwnPropertyNames(mod)) {
      if (kForbiddenExports.has(name)) continue;
      const d = Object.getOwnPropertyDescriptor(mod, name);
      // Getters (ESM namespaces, transpiled re-exports) are read once, here, on a module the operator listed.
      const value = d === undefined ? undefined : 'value' in d ? d.value : d.get?.call(mod);
      if (typeof value === 'function' && !(typeof mod === 'function' && (name === 'length' || name === 'name'))) names.add(name);
    }
  }
  return names;
}

interface Entry {
  module: string;
  exports?: string[];
}

/** `tasks` as modules with optional export lists; throws a TypeError naming what is wrong. */
function parseEntries(tasks: unknown, where: string): Entry[] {
  if (tasks === undefined || tasks === null || (Array.isArray(tasks) && tasks.length === 0) || tasks === '') {
    throw new TypeError(
      `${where} is required: the task modules this worker may run (e.g. ['/srv/app/tasks.js'] or '/srv/app/tasks.js#resize,hash'). ` +
        'Whoever can write to the Redis queue can name any module in a job, so a worker runs listed modules only',
    );
  }
  const list = Array.isArray(tasks) ? (tasks as unknown[]) : [tasks];
  return list.map((entry, i): Entry => {
    const name = `${where}[${i}]`;
    if (isTask(entry)) return { module: entry.specifier, exports: [entry.exportName] };
    if (typeof entry === 'string') return parseSpec(entry, name);
    if (entry !== null && typeof entry === 'object' && typeof (entry as { module?: unknown }).module === 'string') {
      const { module, exports } = entry as { module: string; exports?: unknown };
      if (exports === undefined) return { module };
      if (!Array.isArray(exports) || exports.length === 0 || !exports.every((x) => typeof x === 'string' && x !== '')) {
        throw new TypeError(`${name}.exports must be a non-empty array of export names, got ${describe(exports)}`);
      }
      return { module, exports: [...exports] as string[] };
    }
    throw new TypeError(`${name} must be a module specifier, a Task or { module, exports }, got ${describe(entry)}`);
  });
}

/** `'./tasks.js'` or `'./tasks.js#resize,hash'`. */
function parseSpec(spec: string, name: string): Entry {
  const hash = spec.lastIndexOf('#');
  const names = hash > 0 ? spec.slice(hash + 1) : '';
  if (hash > 0 && /^[\w$]+(,[\w$]+)*$/.test(names)) return { module: spec.slice(0, hash), exports: names.split(',') };
  if (spec === '') throw new TypeError(`${name} must not be empty`);
  return { module: spec };
}

/**
 * Splits the CLI's `--tasks` values: each is either a comma-separated list
 * of modules, or one module followed by `#` and a comma-separated list of
 * its exports (`--tasks ./a.js,./b.js --tasks ./c.js#resize,hash`).
 * @example
 * ```ts
 * cliTaskEntries(['./a.js,./b.js', './c.js#resize,hash']); // ['./a.js', './b.js', './c.js#resize,hash']
 * ```
 * @internal
 */
export function cliTaskEntries(values: readonly string[]): string[] {
  return values.flatMap((value) => (value.includes('#') ? [value] : value.split(',').filter((s) => s !== '')));
}
