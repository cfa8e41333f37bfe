import net from 'node:net';
import path from 'node:path';
import { config, from, isObservable, type Observable } from 'rxjs';
import {
  Future,
  ThreadPoolExecutor,
  asCompleted,
  mapOrdered$,
  mapUnordered$,
  task,
  taskModule,
  wait,
  type ThreadPoolExecutorOptions,
} from '../../lib';
import { within } from '../helpers/within';
import { verbose } from '../helpers/verbose';
import { settle } from '../helpers/settle';

const fixture = path.join(__dirname, '../fixtures/reliabilityTasks.ts');
const tasks = taskModule<typeof import('../fixtures/reliabilityTasks')>(fixture);
const missingModule = path.join(__dirname, '../fixtures/reliability-no-such-module.js');

/** How a bad input is reported: sync APIs throw, async ones reject, a task's failure is its future's. */
type Delivery = 'throws' | 'rejects' | 'fails the future' | 'errors the Observable' | 'no error';

interface Row {
  /** The bad input, as the docs' table names it. */
  input: string;
  /** Does the bad thing; returns whatever the API returns (a Future, a Promise, an Observable, …). */
  run: (pool: ThreadPoolExecutor) => unknown;
  delivery: Delivery | Delivery[];
  /** The error's `name` (its class; Jest's realm makes `name` the reliable check, SPEC §7). */
  name: string;
  /** The message must name the culprit. */
  message: RegExp;
}

/** A pending future for the rows that need one. */
const pending = (): Future<number> => new Future<number>();
const options = (o: unknown): ThreadPoolExecutorOptions => o as ThreadPoolExecutorOptions;
const notATask = (x: unknown) => x as never;

/**
 * Every bad input of issue 5 in one table: what is passed, how the error
 * arrives, its class and what its message says. docs/reliability.md
 * reprints this table.
 */
const rows: Row[] = [
  // ── invalid options ───────────────────────────────────────────────────────
  ...([0, -1, NaN, 1.5, Infinity] as const).map(
    (n): Row => ({
      input: `maxWorkers ${n}`,
      run: () => new ThreadPoolExecutor({ maxWorkers: n }),
      delivery: 'throws',
      name: 'RangeError',
      message: new RegExp(`^options\\.maxWorkers must be a positive integer, got ${n}$`),
    }),
  ),
  {
    input: "maxWorkers '2' (a string)",
    run: () => new ThreadPoolExecutor(options({ maxWorkers: '2' })),
    delivery: 'throws',
    name: 'TypeError',
    message: /^options\.maxWorkers must be a positive integer, got string "2"$/,
  },
  {
    input: 'maxTasksPerChild 0',
    run: () => new ThreadPoolExecutor({ maxTasksPerChild: 0 }),
    delivery: 'throws',
    name: 'RangeError',
    message: /^options\.maxTasksPerChild must be a positive integer, got 0$/,
  },
  {
    input: 'idleTimeout -1',
    run: () => new ThreadPoolExecutor({ idleTimeout: -1 }),
    delivery: 'throws',
    name: 'RangeError',
    message: /^options\.idleTimeout must be a number of milliseconds >= 0, got number -1$/,
  },
  ...([-1, NaN] as const).flatMap((t): Row[] => [
    {
      input: `future.result(${t})`,
      run: () => pending().result(t),
      delivery: 'rejects',
      name: 'RangeError',
      message: new RegExp(`^timeout must be >= 0, got ${t}$`),
    },
    {
      input: `future.exception(${t})`,
      run: () => pending().exception(t),
      delivery: 'rejects',
      name: 'RangeError',
      message: new RegExp(`^timeout must be >= 0, got ${t}$`),
    },
    {
      input: `wait(fs, { timeout: ${t} })`,
      run: () => wait([pending()], { timeout: t }),
      delivery: 'rejects',
      name: 'RangeError',
      message: new RegExp(`^wait: options\\.timeout must be >= 0, got ${t}$`),
    },
    {
      input: `asCompleted(fs, { timeout: ${t} })`,
      run: () => asCompleted([pending()], { timeout: t }),
      delivery: 'throws',
      name: 'RangeError',
      message: new RegExp(`^asCompleted: options\\.timeout must be >= 0, got ${t}$`),
    },
    {
      input: `executor.map(task, items, { timeout: ${t} })`,
      run: (pool) => pool.map(tasks.double, [1], { timeout: t }),
      delivery: 'throws',
      name: 'RangeError',
      message: new RegExp(`^map: options\\.timeout must be >= 0, got ${t}$`),
    },
  ]),
  {
    input: "future.result('1000') (a string)",
    run: () => pending().result('1000' as never),
    delivery: 'rejects',
    name: 'TypeError',
    message: /^timeout must be a number of milliseconds, got string "1000"$/,
  },
  {
    input: 'executor.map(task, items, { buffersize: 0 })',
    run: (pool) => pool.map(tasks.double, [1], { buffersize: 0 }),
    delivery: 'throws',
    name: 'RangeError',
    message: /^map: options\.buffersize must be a positive integer, got 0$/,
  },
  {
    input: 'executor.map(task, items, { chunksize: 0 })',
    run: (pool) => pool.map(tasks.double, [1], { chunksize: 0 }),
    delivery: 'throws',
    name: 'RangeError',
    message: /^map: options\.chunksize must be a positive integer, got 0$/,
  },
  {
    input: 'mapOrdered$(executor, task, { buffersize: 0 })',
    run: (pool) => mapOrdered$(pool, tasks.double, { buffersize: 0 }),
    delivery: 'throws',
    name: 'RangeError',
    message: /^mapOrdered\$: options\.buffersize must be a positive integer, got 0$/,
  },
  {
    input: 'mapUnordered$(executor, task, { buffersize: 0 })',
    run: (pool) => mapUnordered$(pool, tasks.double, { buffersize: 0 }),
    delivery: 'throws',
    name: 'RangeError',
    message: /^mapUnordered\$: options\.buffersize must be a positive integer, got 0$/,
  },
  {
    input: 'mapOrdered$(executor, task, { buffersize: -1 })',
    run: (pool) => mapOrdered$(pool, tasks.double, { buffersize: -1 }),
    delivery: 'throws',
    name: 'RangeError',
    message: /^mapOrdered\$: options\.buffersize must be a positive integer, got -1$/,
  },

  // ── a task that is not a task ─────────────────────────────────────────────
  {
    input: 'submit(42)',
    run: (pool) => pool.submit(notATask(42)),
    delivery: 'throws',
    name: 'TypeError',
    message: /^submit: task must be a Task \(task\(\) \/ taskModule\(\)\) or a self-contained function, got number 42$/,
  },
  {
    input: "submit('double')",
    run: (pool) => pool.submit(notATask('double')),
    delivery: 'throws',
    name: 'TypeError',
    message: /^submit: task must be a Task .*, got string "double"$/,
  },
  {
    input: 'submit(class Job {})',
    run: (pool) => pool.submit(notATask(class Job {})),
    delivery: 'throws',
    name: 'TypeError',
    message: /^submit: task: function Job is a class; pass a function or a module task$/,
  },
  {
    input: 'submit(fn.bind(null))',
    run: (pool) => pool.submit(function named(x: number) {
      return x;
    }.bind(null), 1),
    delivery: 'throws',
    name: 'TypeError',
    message: /^submit: task: function bound named is a bound function, which has no source to ship to a worker/,
  },
  {
    input: 'submit(Math.max) (native)',
    run: (pool) => pool.submit(Math.max, 1, 2),
    delivery: 'throws',
    name: 'TypeError',
    message: /^submit: task: function max is a native function, which has no source to ship to a worker/,
  },
  {
    input: 'executor.map(42, items)',
    run: (pool) => pool.map(notATask(42), [1]),
    delivery: 'throws',
    name: 'TypeError',
    message: /^map: task must be a Task .*, got number 42$/,
  },
  {
    input: 'mapOrdered$(executor, 42)',
    run: (pool) => mapOrdered$(pool, notATask(42)),
    // At operator creation, where the other options are checked.
    delivery: 'throws',
    name: 'TypeError',
    message: /^mapOrdered\$: task must be a Task \(task\(\) \/ taskModule\(\)\) or a self-contained function, got number 42$/,
  },
  {
    input: 'mapUnordered$(executor, 42)',
    run: (pool) => mapUnordered$(pool, notATask(42)),
    delivery: 'throws',
    name: 'TypeError',
    message: /^mapUnordered\$: task must be a Task \(task\(\) \/ taskModule\(\)\) or a self-contained function, got number 42$/,
  },

  // ── a closure passed inline ───────────────────────────────────────────────
  {
    input: 'submit((x) => x * factor) (a closure)',
    run: (pool) => {
      const factor = 3;
      return pool.submit((x: number) => x * factor, 2);
    },
    delivery: 'fails the future',
    name: 'ReferenceError',
    message: /^factor is not defined \(inline tasks are shipped by source .*use a module task\)$/,
  },

  // ── a missing module or export ────────────────────────────────────────────
  {
    input: 'task(missing module, name)',
    run: (pool) => pool.submit(task(missingModule, 'run')),
    delivery: 'fails the future',
    name: 'Error',
    message: new RegExp(`^Cannot find module '${missingModule.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'`),
  },
  {
    input: "task(module, 'noSuchExport')",
    run: (pool) => pool.submit(task(fixture, 'noSuchExport')),
    delivery: 'fails the future',
    name: 'TypeError',
    message: /^task module .*reliabilityTasks\.ts has no function export named "noSuchExport" \(function exports: .*\bdouble\b/,
  },

  // ── arguments and results that cannot be cloned ───────────────────────────
  {
    input: 'a function argument',
    run: (pool) => pool.submit(tasks.double, notATask({ n: 1, onProgress: function onProgress() {} })),
    delivery: 'fails the future',
    name: 'DataCloneError',
    message: /^the task's arguments cannot be cloned to a worker: args\[0\]\.onProgress is a function \(onProgress\)$/,
  },
  {
    input: 'a symbol argument',
    run: (pool) => pool.submit(tasks.double, notATask(['ok', Symbol('token')])),
    delivery: 'fails the future',
    name: 'DataCloneError',
    message: /^the task's arguments cannot be cloned to a worker: args\[0\]\[1\] is a symbol \(Symbol\(token\)\)$/,
  },
  {
    input: 'a net.Socket argument',
    run: (pool) => {
      const conn = new net.Socket();
      const f = pool.submit(tasks.double, notATask({ conn }));
      conn.destroy();
      return f;
    },
    delivery: 'fails the future',
    name: 'DataCloneError',
    message: /^the task's arguments cannot be cloned to a worker: args\[0\]\.conn\b/,
  },
  {
    input: 'a WeakRef argument',
    run: (pool) => pool.submit(tasks.double, notATask({ cache: new WeakRef({}) })),
    delivery: 'fails the future',
    name: 'DataCloneError',
    message: /^the task's arguments cannot be cloned to a worker: args\[0\]\.cache is a WeakRef$/,
  },
  {
    input: 'a function result',
    run: (pool) => pool.submit(tasks.returnUncloneable, 'function'),
    delivery: 'fails the future',
    name: 'DataCloneError',
    message: /^the result cannot be cloned to the main thread: result\.onDone is a function \(onDone\)$/,
  },
  {
    input: 'a symbol result',
    run: (pool) => pool.submit(tasks.returnUncloneable, 'symbol'),
    delivery: 'fails the future',
    name: 'DataCloneError',
    message: /^the result cannot be cloned to the main thread: result\.token is a symbol \(Symbol\(session\)\)$/,
  },
  {
    input: 'a net.Socket result',
    run: (pool) => pool.submit(tasks.returnUncloneable, 'socket'),
    delivery: 'fails the future',
    name: 'DataCloneError',
    message: /^the result cannot be cloned to the main thread: result\.conn\b/,
  },
  {
    input: 'a WeakRef result',
    run: (pool) => pool.submit(tasks.returnUncloneable, 'weakref'),
    delivery: 'fails the future',
    name: 'DataCloneError',
    message: /^the result cannot be cloned to the main thread: result\.cache is a WeakRef$/,
  },

  // ── wait / asCompleted given non-futures, or nothing ──────────────────────
  {
    input: 'wait([1])',
    run: () => wait(notATask([1])),
    delivery: 'rejects',
    name: 'TypeError',
    message: /^wait: fs\[0\] is not a Future, got number 1$/,
  },
  {
    input: 'wait([future, aPromise])',
    run: () => wait(notATask([pending(), Promise.resolve(1)])),
    delivery: 'rejects',
    name: 'TypeError',
    message: /^wait: fs\[1\] is not a Future, got object Promise$/,
  },
  {
    input: 'wait(null)',
    run: () => wait(notATask(null)),
    delivery: 'rejects',
    name: 'TypeError',
    message: /^wait: fs must be an iterable of Futures, got null$/,
  },
  {
    input: 'asCompleted([{}])',
    run: () => asCompleted(notATask([{}])),
    delivery: 'throws',
    name: 'TypeError',
    message: /^asCompleted: fs\[0\] is not a Future, got object Object$/,
  },
  {
    input: 'asCompleted(undefined)',
    run: () => asCompleted(notATask(undefined)),
    delivery: 'throws',
    name: 'TypeError',
    message: /^asCompleted: fs must be an iterable of Futures, got undefined$/,
  },

  // ── setResult twice, and other illegal transitions ────────────────────────
  {
    input: 'setResult twice',
    run: () => {
      const f = pending();
      f.setResult(1);
      f.setResult(2);
    },
    delivery: 'throws',
    name: 'InvalidStateError',
    message: /^finished: <Future#\d+ state=finished returned number>$/,
  },
  {
    input: 'setException after setResult',
    run: () => {
      const f = pending();
      f.setResult(1);
      f.setException(new Error('late'));
    },
    delivery: 'throws',
    name: 'InvalidStateError',
    message: /^finished: <Future#\d+ state=finished returned number>$/,
  },
  {
    input: 'setResult after cancel',
    run: () => {
      const f = pending();
      f.cancel();
      f.setResult(1);
    },
    delivery: 'throws',
    name: 'InvalidStateError',
    message: /^cancelled: <Future#\d+ state=cancelled>$/,
  },
  {
    input: 'setRunningOrNotifyCancel twice',
    run: () => {
      const f = pending();
      f.setRunningOrNotifyCancel();
      f.setRunningOrNotifyCancel();
    },
    delivery: 'throws',
    name: 'InvalidStateError',
    message: /^running: <Future#\d+ state=running>$/,
  },
  {
    input: 'resultNow() on a pending future',
    run: () => pending().resultNow(),
    delivery: 'throws',
    name: 'InvalidStateError',
    message: /^resultNow\(\) called on a future that is not done: <Future#\d+ state=pending>$/,
  },
];

/** How `run` reported its failure, and the error. */
async function outcomeOf(run: () => unknown): Promise<{ delivery: Delivery; error: any }> {
  let value: unknown;
  try {
    value = run();
  } catch (error) {
    return { delivery: 'throws', error };
  }
  if (value instanceof Future) {
    const error = await within(
      value.result().then(
        () => undefined,
        (e: unknown) => e,
      ),
      20_000,
      'the future',
    );
    return { delivery: error === undefined ? 'no error' : 'fails the future', error };
  }
  if (isObservable(value)) {
    const error = await within(
      new Promise<unknown>((resolve) => (value as Observable<unknown>).subscribe({ error: resolve, complete: () => resolve(undefined) })),
      20_000,
      'the Observable',
    );
    return { delivery: error === undefined ? 'no error' : 'errors the Observable', error };
  }
  if (value instanceof Promise) {
    const error = await within(
      value.then(
        () => undefined,
        (e: unknown) => e,
      ),
      20_000,
      'the promise',
    );
    return { delivery: error === undefined ? 'no error' : 'rejects', error };
  }
  return { delivery: 'no error', error: undefined };
}

/** @test {ThreadPoolExecutor} given bad input: a typed, clear error, and the executor keeps serving */
describe('bad input', () => {
  let pool: ThreadPoolExecutor;
  let served = 0;
  beforeAll(() => {
    pool = new ThreadPoolExecutor({ maxWorkers: 2 });
  });
  afterAll(async () => {
    await pool.shutdown({ cancelFutures: true });
  });

  /** The shared pool still runs tasks, with the right values. */
  async function expectStillServes(): Promise<void> {
    served += 1;
    const futures = [pool.submit(tasks.double, served), pool.submit((x: number) => x + 1, served)];
    expect(await within(Promise.all(futures), 10_000, 'a task after the bad input')).toEqual([served * 2, served + 1]);
  }

  it.each(rows)('$input → $delivery with $name naming the culprit, and the executor keeps serving', async ({ run, delivery, name, message }) => {
    const outcome = await outcomeOf(() => run(pool));
    expect(([] as Delivery[]).concat(delivery)).toContain(outcome.delivery);
    expect(outcome.error?.name).toBe(name);
    expect(String(outcome.error?.message)).toMatch(message);
    await expectStillServes();
  });

  describe('empty lists (not errors: Python returns at once)', () => {
    it('should resolve wait([]) at once with two empty sets', async () => {
      const { done, notDone } = await within(wait([]), 1000, 'wait([])');
      expect([done.size, notDone.size]).toEqual([0, 0]);
      await expectStillServes();
    });

    it('should end asCompleted([]) at once, even with a timeout', async () => {
      expect(await within(asCompleted([]).next(), 1000, 'asCompleted([])')).toEqual({ value: undefined, done: true });
      expect(await within(asCompleted([], { timeout: 0 }).next(), 1000, 'asCompleted([], { timeout: 0 })')).toEqual({ value: undefined, done: true });
      await expectStillServes();
    });
  });

  // 128 MiB, not more: a structured clone holds the sender's copy, the serialized one and the receiver's
  // at once, and the whole test command keeps under 1.2 GB peak RSS (issue #17). Still far above any
  // message-size limit, which is what this proves.
  describe('a result of 128 MiB', () => {
    it.each(['bytes', 'string'] as const)('should deliver a 128 MiB %s result whole (or fail clearly) within 20 s, and keep serving', async (kind) => {
      const t0 = performance.now();
      const f = pool.submit(tasks.huge, kind, 128);
      const outcome = await within(
        f.result().then(
          (value) => ({ value }),
          (error: Error) => ({ error }),
        ),
        20_000,
        `a 128 MiB ${kind} result`,
      );
      const ms = Math.round(performance.now() - t0);
      if ('error' in outcome) {
        // Allowed, if it says why: e.g. a RangeError or DataCloneError from the clone, never a hang or a dead pool.
        expect(outcome.error.message).toMatch(/memory|length|clone|size|heap/i);
      } else if (kind === 'bytes') {
        const bytes = outcome.value as Uint8Array;
        expect(bytes.byteLength).toBe(128 * 1024 * 1024);
        expect([bytes[0], bytes[1], bytes[bytes.length - 1]]).toEqual([1, 0, 2]);
      } else {
        const text = outcome.value as string;
        expect(text.length).toBe(128 * 1024 * 1024);
        expect(text.slice(0, 3) + text.slice(-3)).toBe('xxxxxx');
      }
      // eslint-disable-next-line no-console
      verbose(`a 128 MiB ${kind} result: ${'error' in outcome ? `failed (${outcome.error.message})` : 'arrived whole'} in ${ms} ms`);
      await expectStillServes();
    });
  });

  describe('issues found here, fixed in lib (kept as regression specs)', () => {
    // Was a bug (fixed in 1d2707a): with no explicit buffersize on a ThreadPoolExecutor, mapInternals'
    // window function called executor[kPreferredInFlight](task), which threw the TypeError for a non-task
    // outside submitMore's try/catch; it escaped the source's `next` handler to RxJS's reportUnhandledError
    // (an uncaught exception, thrown from a timer) instead of reaching the subscriber. Now the task is
    // checked at operator creation, and the window hint never throws.
    it('mapOrdered$(pool, 42) with the default window should report the TypeError to the caller, never as an escaped error', async () => {
      const escaped: unknown[] = [];
      const previous = config.onUnhandledError;
      try {
        // Either at operator creation (a throw), or as the error notification; never through RxJS's unhandled-error path.
        const reported = await within(
          new Promise<unknown>((resolve) => {
            config.onUnhandledError = (err) => {
              escaped.push(err);
              resolve(undefined);
            };
            let operator;
            try {
              operator = mapOrdered$(pool, notATask(42));
            } catch (error) {
              return resolve(error);
            }
            void settle(from([1]).pipe(operator)).then(({ error }) => resolve(error));
          }),
          5_000,
          'the error, reported or escaped',
        );
        expect(escaped).toEqual([]);
        expect((reported as Error)?.message).toMatch(/task must be a Task .*, got number 42$/);
      } finally {
        // RxJS reports each escaped error from a setTimeout(0) scheduled during subscribe (today: two,
        // from `next` and from `complete`); a timer scheduled after them runs after them.
        await new Promise((resolve) => setTimeout(resolve, 0));
        config.onUnhandledError = previous;
      }
    });

    // Was a bug (fixed in 1d2707a): lib/internal/validate.ts describe(undefined) gave "undefined undefined".
    it('asCompleted(undefined) should say "got undefined", once', () => {
      expect(() => asCompleted(notATask(undefined))).toThrow(/^asCompleted: fs must be an iterable of Futures, got undefined$/);
    });
  });
});
