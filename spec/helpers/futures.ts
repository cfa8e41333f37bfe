/**
 * Canonical futures, one per state — CPython's `create_future()` and its
 * PENDING_FUTURE, RUNNING_FUTURE, CANCELLED_FUTURE, EXCEPTION_FUTURE,
 * SUCCESSFUL_FUTURE (test_concurrent_futures/util.py). They are factories so
 * that every test gets fresh, unshared futures.
 */
import { Future, type FutureState } from '../../lib/Future';

/** The exception EXCEPTION_FUTURE holds (CPython uses `OSError()`). */
export class FixtureError extends Error {
  override readonly name = 'FixtureError';
}

/** A future in the given state, built only through the public executor API. */
export function createFuture<T = number>(
  state: FutureState,
  outcome: { result?: T; exception?: unknown } = {},
): Future<T> {
  const f = new Future<T>();
  switch (state) {
    case 'pending':
      break;
    case 'running':
      f.setRunningOrNotifyCancel();
      break;
    case 'cancelled':
      f.cancel();
      break;
    case 'finished':
      if ('exception' in outcome) f.setException(outcome.exception);
      else f.setResult(outcome.result as T);
      break;
  }
  return f;
}

/** CPython's PENDING_FUTURE. */
export const PENDING_FUTURE = <T = number>(): Future<T> => createFuture<T>('pending');
/** CPython's RUNNING_FUTURE. */
export const RUNNING_FUTURE = <T = number>(): Future<T> => createFuture<T>('running');
/** CPython's CANCELLED_FUTURE. */
export const CANCELLED_FUTURE = <T = number>(): Future<T> => createFuture<T>('cancelled');
/** CPython's EXCEPTION_FUTURE: finished with a FixtureError('exception'). */
export const EXCEPTION_FUTURE = <T = number>(error: unknown = new FixtureError('exception')): Future<T> =>
  createFuture<T>('finished', { exception: error });
/** CPython's SUCCESSFUL_FUTURE: finished with 42. */
export const SUCCESSFUL_FUTURE = (value = 42): Future<number> => createFuture<number>('finished', { result: value });

/** Every canonical future with the state it must report, for `describe.each`. */
export const CANONICAL_FUTURES: ReadonlyArray<[label: string, make: () => Future<number>, state: FutureState]> = [
  ['PENDING_FUTURE', PENDING_FUTURE, 'pending'],
  ['RUNNING_FUTURE', RUNNING_FUTURE, 'running'],
  ['CANCELLED_FUTURE', CANCELLED_FUTURE, 'cancelled'],
  ['EXCEPTION_FUTURE', EXCEPTION_FUTURE, 'finished'],
  ['SUCCESSFUL_FUTURE', SUCCESSFUL_FUTURE, 'finished'],
];

/** Settles `f` with `value` after `ms` ms of real time (a task finishing elsewhere). */
export function resolveAfter<T>(f: Future<T>, value: T, ms: number): Future<T> {
  setTimeout(() => f.setResult(value), ms);
  return f;
}

/** Fails `f` with `error` after `ms` ms of real time. */
export function rejectAfter<T>(f: Future<T>, error: unknown, ms: number): Future<T> {
  setTimeout(() => f.setException(error), ms);
  return f;
}

/** Settles `f` with `value` on the next turn of the event loop. */
export function resolveSoon<T>(f: Future<T>, value: T): Future<T> {
  setImmediate(() => f.setResult(value));
  return f;
}

/** Lets `n` turns of the event loop pass, so queued microtasks and immediates run. */
export async function flushTurns(n = 3): Promise<void> {
  for (let i = 0; i < n; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** What a settled promise ended with, without ever leaving it rejected and unhandled. */
export async function outcomeOf<T>(p: PromiseLike<T>): Promise<{ value: T } | { error: unknown }> {
  try {
    return { value: await p };
  } catch (error) {
    return { error };
  }
}

/** Resolves with the state of `p` right now: 'pending', 'fulfilled' or 'rejected' (after a turn). */
export async function promiseState(p: Promise<unknown>): Promise<'pending' | 'fulfilled' | 'rejected'> {
  let state: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  p.then(
    () => (state = 'fulfilled'),
    () => (state = 'rejected'),
  );
  await flushTurns(1);
  return state;
}

/**
 * Runs `body` (CommonJS JavaScript) in a plain Node process, outside Jest's
 * realm, where `process.on('warning' | 'unhandledRejection')` sees what the
 * library really emits (Jest gives each test file its own `process` object,
 * and handles unhandled rejections itself). `body` can `require()` the
 * TypeScript sources under lib/ directly: they are transpiled on the fly,
 * so the child tests the code as it is now, not a stale build. Resolves with
 * what the child printed; rejects if it exits non-zero, or if `body` never
 * finished (the event loop ran dry while it was still waiting).
 */
export function runInPlainNode(body: string): Promise<{ stdout: string; stderr: string }> {
  const root = require('node:path').resolve(__dirname, '..', '..') as string;
  const prelude = `
    const ts = require(${JSON.stringify(require.resolve('typescript'))});
    const fs = require('node:fs');
    require.extensions['.ts'] = (m, filename) => {
      const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
        fileName: filename,
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      });
      m._compile(outputText, filename);
    };
    const lib = (name) => require(${JSON.stringify(root)} + '/lib/' + name);
  `;
  const { execFile } = require('node:child_process') as typeof import('node:child_process');
  return new Promise((resolve, reject) => {
    const script = `${prelude}
      let finished = false;
      process.on('exit', () => { if (!finished) { console.error('runInPlainNode: the body never finished'); process.exitCode = 1; } });
      (async () => {\n${body}\n})().then(() => { finished = true; }, (e) => { console.error(e); process.exit(1); });`;
    execFile(process.execPath, ['-e', script], { cwd: root, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });
}
