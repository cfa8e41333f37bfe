import { isTaskRef } from './internal/isTaskRef';
import { kTask } from './internal/symbols';
import { describe } from './internal/validate';

/**
 * A named function in a module, runnable on any executor: the primary way to
 * name work across a thread or process boundary.
 *
 * `A` and `R` are the argument and return types of the export; they exist
 * only for the type checker.
 *
 * @example
 * ```ts
 * import { task } from 'rxfutures';
 * const fib = task<[number], number>(import.meta.resolve('./tasks.js'), 'fib'); // CommonJS: require.resolve('./tasks')
 * await pool.submit(fib, 30);
 * ```
 */
export interface Task<A extends unknown[] = any[], R = unknown> {
  /** Brand: only `task()` and `taskModule()` make Tasks. */
  readonly [kTask]: true;
  /** An absolute path, a `file:` URL or a package name. */
  readonly specifier: string;
  /** The export to call; `'default'` for the default export. */
  readonly exportName: string;
  /**
   * Phantom member carrying the types; never set. A function type, so a task
   * accepting fewer or wider arguments fits where more specific ones are
   * passed, as plain functions do. Generic code may widen with `as Task`.
   */
  readonly __signature?: (...args: A) => R;
}

/** A module's exports as Tasks: what {@link taskModule} returns. */
export type TaskModule<M> = {
  readonly [K in keyof M as M[K] extends (...args: any[]) => unknown ? K : never]: M[K] extends (...args: infer A) => infer R
    ? Task<A, R>
    : never;
};

/**
 * Names one export of a module as a {@link Task}.
 *
 * @example
 * ```ts
 * const hash = task<[string], string>('/srv/app/tasks/hash.js', 'sha256');
 * const viaPackage = task('my-tasks-package', 'resize');
 * ```
 * @see taskModule
 * @param specifier - an absolute path, a `file:` URL or a package name (not a relative path)
 * @param exportName - the export to call
 * @default exportName 'default'
 * @returns the Task
 * @throws `TypeError` for a relative path or a non-string
 */
export function task<A extends unknown[] = any[], R = unknown>(specifier: string, exportName = 'default'): Task<A, R> {
  checkSpecifier(specifier);
  if (typeof exportName !== 'string' || exportName === '') {
    throw new TypeError(`task: exportName must be a non-empty string, got ${describe(exportName)}`);
  }
  return Object.freeze({ [kTask]: true as const, specifier, exportName });
}

/**
 * A typed handle over a module's exports: each property is a {@link Task}.
 * The module is not loaded in this thread; pass its type as `M`.
 *
 * @example
 * ```ts
 * import { taskModule } from 'rxfutures';
 * // An ES module: tasks.ts under tsx, tasks.js once compiled. CommonJS: require.resolve('./tasks').
 * const tasks = taskModule<typeof import('./tasks.js')>(import.meta.resolve('./tasks.js'));
 * const n: number = await pool.submit(tasks.fib, 30);
 * ```
 * @see task
 * @param specifier - an absolute path, a `file:` URL or a package name
 * @returns a handle whose properties are Tasks
 */
export function taskModule<M>(specifier: string): TaskModule<M> {
  checkSpecifier(specifier);
  const cache = new Map<string, Task>();
  return new Proxy(Object.create(null) as TaskModule<M>, {
    get(_target, prop) {
      // `then` must stay undefined, or `await handle` would call a Task.
      if (typeof prop !== 'string' || prop === 'then') return undefined;
      let t = cache.get(prop);
      if (t === undefined) {
        t = task(specifier, prop);
        cache.set(prop, t);
      }
      return t;
    },
  });
}

/** True for values made by `task()` / `taskModule()`. */
export function isTask(value: unknown): value is Task {
  return isTaskRef(value);
}

function checkSpecifier(specifier: unknown): asserts specifier is string {
  if (typeof specifier !== 'string' || specifier === '') {
    throw new TypeError(`task specifier must be a non-empty string, got ${describe(specifier)}`);
  }
  if (specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..') {
    throw new TypeError(
      `task specifier must be an absolute path, a file: URL or a package name, got the relative path ${JSON.stringify(specifier)}; ` +
        "use import.meta.resolve('./tasks.js') in an ES module, or require.resolve('./tasks') in CommonJS",
    );
  }
}
