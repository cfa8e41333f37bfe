/**
 * How VirtualExecutor runs a task in this thread: an inline function is
 * called as it is (closures are fine), a module Task is `require`d here, and
 * a returned Promise is followed without ever producing an unhandled
 * rejection.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTaskRef, type TaskRef } from './isTaskRef';
import { describe } from './validate';

type Callable = (...args: unknown[]) => unknown;

/** How a call ended. */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * What a call produced: an outcome at once, or a thenable whose outcome
 * arrives later (`outcome` is filled in when it settles, then `settled` resolves).
 */
export interface Settling {
  outcome: Outcome | undefined;
  settled: Promise<void> | undefined;
}

/** @throws TypeError at submit time for anything that is neither a function nor a Task. */
export function checkTask(task: unknown, what: string): void {
  if (typeof task !== 'function' && !isTaskRef(task)) {
    throw new TypeError(`${what} must be a Task (task() / taskModule()) or a function, got ${describe(task)}`);
  }
}

/**
 * The function a task names. Module tasks are loaded with this module's
 * `require` (so under Jest they go through its transform, ts-jest included),
 * package names resolved from the working directory as a worker would.
 * @throws what loading throws, or a TypeError naming the missing export
 */
export function loadInProcess(task: TaskRef | Callable): Callable {
  if (typeof task === 'function') return task;
  const { specifier, exportName } = task;
  const file = specifier.startsWith('file:') ? fileURLToPath(specifier) : specifier;
  let resolved = file;
  if (!path.isAbsolute(file)) {
    try {
      resolved = require.resolve(file, { paths: [process.cwd()] });
    } catch {
      resolved = require.resolve(file);
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- in-process loading is the point
  const mod = require(resolved) as Record<string, unknown>;
  let fn = mod[exportName];
  if (fn === undefined && exportName === 'default' && typeof mod === 'function') fn = mod;
  if (typeof fn !== 'function') {
    const available = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    throw new TypeError(
      `task module ${specifier} has no function export named ${JSON.stringify(exportName)}` +
        ` (function exports: ${available.length ? available.join(', ') : 'none'})`,
    );
  }
  return fn as Callable;
}

/** Runs `fn()` and captures how it ended; a thenable is followed (never left unhandled). */
export function settle(fn: () => unknown): Settling {
  let value: unknown;
  try {
    value = fn();
  } catch (error) {
    return { outcome: { ok: false, error }, settled: undefined };
  }
  if (!isThenable(value)) return { outcome: { ok: true, value }, settled: undefined };
  const settling: Settling = { outcome: undefined, settled: undefined };
  settling.settled = Promise.resolve(value).then(
    (v) => {
      settling.outcome = { ok: true, value: v };
    },
    (error: unknown) => {
      settling.outcome = { ok: false, error };
    },
  );
  return settling;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** The error a Promise-returning task gets in virtual time, where no real promise can settle. */
export function promiseInVirtualTime(what: string): TypeError {
  return new TypeError(
    `VirtualExecutor: ${what} returned a Promise that had not settled when its virtual duration ended; ` +
      'virtual time (TestScheduler) runs synchronously and cannot wait for real promises. ' +
      'Give the VirtualExecutor a synchronous task (or generator), or run this test on a real-time scheduler or a ThreadPoolExecutor',
  );
}

/** The iterator of what a stream task returned, or the worker's TypeError. */
export function iterate(value: unknown): Iterator<unknown> | AsyncIterator<unknown> {
  if (value !== null && typeof value === 'object') {
    if (Symbol.asyncIterator in value) return (value as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    if (Symbol.iterator in value) return (value as Iterable<unknown>)[Symbol.iterator]();
  }
  throw new TypeError('a stream task must be a generator function (or return an iterable / async iterable)');
}
