import net from 'node:net';
import path from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { ThreadPoolExecutor, task, taskModule } from '../../lib';

const fixture = path.join(__dirname, '../fixtures/faultTasks.ts');
const faults = taskModule<typeof import('../fixtures/faultTasks')>(fixture);

/**
 * Errors rebuilt from a worker are made in this realm by lib/internal/errorCodec,
 * but Jest's realm and Node's may differ (SPEC §7): specs assert `name` and the
 * constructor's name here; spec/threadPool/realm.spec.ts checks real `instanceof`
 * in a plain Node process.
 */
async function failureOf(future: PromiseLike<unknown> & { result(): Promise<unknown> }): Promise<any> {
  return future.result().then(
    (value) => {
      throw new Error(`expected the task to fail, it returned ${String(value)}`);
    },
    (error: unknown) => error,
  );
}

/** @test {ThreadPoolExecutor} errors across the thread boundary */
describe('ThreadPoolExecutor errors', () => {
  let pool: ThreadPoolExecutor;
  beforeAll(() => {
    pool = new ThreadPoolExecutor({ maxWorkers: 2 });
  });
  afterAll(async () => {
    await pool.shutdown();
  });

  describe("a task's exception", () => {
    it('should arrive with its name, message and the worker-side stack', async () => {
      const error = await failureOf(pool.submit(faults.throwWithCause));
      expect(error.name).toBe('Error');
      expect(error.message).toBe('could not load the index');
      expect(error.stack).toMatch(/^Error: could not load the index\n/);
      // The stack is the worker's: it runs through the fixture, not through this spec.
      expect(error.stack).toContain(`at throwWithCause (${fixture}:`);
      expect(error.stack).not.toContain(__filename);
    });

    it('should keep the cause chain, two levels deep, each with its class and stack', async () => {
      const error = await failureOf(pool.submit(faults.throwWithCause));
      const middle = error.cause;
      expect(middle).toBeDefined();
      expect(middle.name).toBe('RangeError');
      expect(middle.constructor.name).toBe('RangeError');
      expect(middle.message).toBe('offset out of range');
      expect(middle.stack).toContain(fixture);
      const root = middle.cause;
      expect(root.name).toBe('Error');
      expect(root.message).toBe('disk sector unreadable');
      expect(root.stack).toContain(fixture);
      expect('cause' in root).toBe(false);
    });

    it('should keep own enumerable properties: code, errno and custom fields', async () => {
      const error = await failureOf(pool.submit(faults.throwWithProps));
      expect(error.message).toBe("ENOENT: no such file or directory, open '/nowhere/config.json'");
      expect(error).toMatchObject({
        code: 'ENOENT',
        errno: -2,
        syscall: 'open',
        path: '/nowhere/config.json',
        retryable: true,
        details: { attempts: 3, hosts: ['a', 'b'] },
      });
      // name, message and stack stay where Error keeps them, not as own enumerable data.
      expect(Object.keys(error).sort()).toEqual(['code', 'details', 'errno', 'path', 'retryable', 'syscall']);
    });

    it.each(['TypeError', 'RangeError', 'SyntaxError', 'URIError'] as const)('should keep the built-in class %s', async (kind) => {
      const error = await failureOf(pool.submit(faults.throwBuiltin, kind));
      expect(error.name).toBe(kind);
      expect(error.constructor.name).toBe(kind);
      expect(Object.prototype.toString.call(error)).toBe('[object Error]');
    });

    it('should keep an AggregateError with its errors', async () => {
      const error = await failureOf(pool.submit(faults.throwBuiltin, 'AggregateError'));
      expect(error.name).toBe('AggregateError');
      expect(error.constructor.name).toBe('AggregateError');
      expect(error.message).toBe('all mirrors failed');
      expect(error.errors.map((e: Error) => [e.name, e.message])).toEqual([
        ['TypeError', 'first failed'],
        ['RangeError', 'second failed'],
      ]);
      expect(error.errors[0].stack).toContain(fixture);
    });

    it("should keep a custom Error subclass's name and fields (as an Error: the class itself stays in the worker)", async () => {
      const error = await failureOf(pool.submit(faults.throwCustom, 'email'));
      expect(error.name).toBe('ValidationError');
      expect(error.message).toBe('email is not a valid e-mail address');
      expect(error.field).toBe('email');
      expect(error.stack).toMatch(/^ValidationError: email is not a valid e-mail address\n/);
      expect(error.constructor.name).toBe('Error');
    });

    it('should rebuild a subclass of a built-in as that built-in, keeping its own name', async () => {
      const error = await failureOf(pool.submit(faults.throwBadInput));
      expect(error.name).toBe('BadInputError');
      expect(error.constructor.name).toBe('TypeError');
      expect(error.message).toBe('input must not be empty');
    });

    it('should keep the hint of an inline closure over outer variables (ReferenceError)', async () => {
      const factor = 3;
      const error = await failureOf(pool.submit((x: number) => x * factor, 2));
      expect(error.name).toBe('ReferenceError');
      expect(error.message).toMatch(/^factor is not defined \(inline tasks are shipped by source/);
      expect(error.message).toMatch(/pass values as arguments or use a module task/);
      expect(error.stack).toMatch(/^ReferenceError: factor is not defined \(inline tasks/);
    });
  });

  describe('thrown non-Errors', () => {
    it.each([
      ['a string', 'plain string failure'],
      ['a number', 42],
      ['a plain object', { status: 503, retryAfter: [1, 2] }],
      ['undefined', undefined],
      ['null', null],
    ])('should arrive as thrown: %s', async (_label, value) => {
      const thrown = await failureOf(pool.submit(faults.throwValue, value));
      expect(thrown).toEqual(value);
      expect(typeof thrown).toBe(typeof value);
      const rejected = await failureOf(pool.submit(faults.rejectWith, value));
      expect(rejected).toEqual(value);
    });

    it('should report undefined through exception() the way it was thrown, and still fail result()', async () => {
      const f = pool.submit(faults.throwValue, undefined);
      await expect(f.exception()).resolves.toBeUndefined();
      expect(f.state).toBe('finished');
      await expect(f.result()).rejects.toBeUndefined();
    });
  });

  describe('values that cannot be cloned', () => {
    it('should fail the future of a function argument with a DataCloneError naming the path', async () => {
      const f = pool.submit(faults.identity, { name: 'job', onProgress: function onProgress() {} } as unknown);
      const error = await failureOf(f);
      expect(error.name).toBe('DataCloneError');
      expect(error.message).toBe("the task's arguments cannot be cloned to a worker: args[0].onProgress is a function (onProgress)");
      expect(await pool.submit(faults.double, 4)).toBe(8);
    });

    it('should fail the future of a symbol argument with a DataCloneError naming the path', async () => {
      const error = await failureOf(pool.submit(faults.identity, ['ok', Symbol('token')] as unknown));
      expect(error.name).toBe('DataCloneError');
      expect(error.message).toMatch(/args\[0\]\[1\] is a symbol \(Symbol\(token\)\)/);
      expect(await pool.submit(faults.double, 5)).toBe(10);
    });

    it('should fail the future of a socket argument with a DataCloneError naming the path', async () => {
      const socket = new net.Socket();
      try {
        const error = await failureOf(pool.submit(faults.identity, { conn: socket } as unknown));
        expect(error.name).toBe('DataCloneError');
        // The socket is args[0].conn (the culprit is a function somewhere inside it).
        expect(error.message).toMatch(/^the task's arguments cannot be cloned to a worker: args\[0\]\.conn\b/);
      } finally {
        socket.destroy();
      }
      expect(await pool.submit(faults.double, 6)).toBe(12);
    });

    it('should fail the future of a function result with a DataCloneError naming the path', async () => {
      const error = await failureOf(pool.submit(faults.returnFunction));
      expect(error.name).toBe('DataCloneError');
      expect(error.message).toBe('the result cannot be cloned to the main thread: result.callback is a function (onDone)');
      expect(await pool.submit(faults.double, 7)).toBe(14);
    });

    it('should fail the future of a symbol result with a DataCloneError naming the path', async () => {
      const error = await failureOf(pool.submit(faults.returnSymbol));
      expect(error.name).toBe('DataCloneError');
      expect(error.message).toBe('the result cannot be cloned to the main thread: result[2] is a symbol (Symbol(secret))');
      expect(await pool.submit(faults.double, 8)).toBe(16);
    });

    it('should fail the whole chunk holding a bad item (map with chunksize), as Python fails a chunk it cannot pickle', async () => {
      const items: unknown[] = [1, 2, () => 3, 4];
      const seen: unknown[] = [];
      const it = pool.map(faults.identity, items, { chunksize: 4 });
      for (;;) {
        const next = await it.next().catch((error: Error) => ({ error }));
        if ('error' in next) {
          seen.push(next.error.name);
          break;
        }
        if (next.done) break;
        seen.push(next.value);
      }
      // The check runs before anything is sent: the chunk fails as a whole, at the first position.
      expect(seen).toEqual(['DataCloneError']);
      expect(await pool.submit(faults.double, 9)).toBe(18);
    });

    // Once reported as WorkerExitError: postMessage's ERR_MISSING_TRANSFERABLE_IN_TRANSFER_LIST looked like a dead worker.
    it('should fail a nested MessagePort argument with DataCloneError, not WorkerExitError', async () => {
      const { port1, port2 } = new MessageChannel();
      try {
        const error = await failureOf(pool.submit(faults.identity, { reply: port1 } as unknown));
        expect(error.name).toBe('DataCloneError');
        expect(error.message).toMatch(/args\[0\]\.reply/);
      } finally {
        port1.close();
        port2.close();
      }
    });

    // Once killed the worker: Piscina's worker could not post the response and rethrew it.
    it('should fail a WeakRef result with DataCloneError, not by killing the worker', async () => {
      const error = await failureOf(pool.submit(() => ({ cache: new WeakRef({}) })));
      expect(error.name).toBe('DataCloneError');
      expect(error.message).toMatch(/^the result cannot be cloned to the main thread: result\.cache\b/);
      expect(await pool.submit(faults.double, 10)).toBe(20);
    });

    // Once reported as WorkerExitError: encoding the exception threw inside the worker's handler.
    it("should report an exception whose properties cannot be read as the task's failure, not WorkerExitError", async () => {
      const error = await failureOf(
        pool.submit(() => {
          const e = new Error('odd');
          Object.defineProperty(e, 'detail', {
            enumerable: true,
            get() {
              throw new Error('getter exploded');
            },
          });
          throw e;
        }),
      );
      expect(error.name).toBe('Error');
      expect(error.message).toMatch(/^odd\b/);
      expect(error.detail).toBe('[unreadable: getter exploded]');
    });
  });

  describe('tasks that cannot be loaded', () => {
    it('should fail the future with an error naming a missing module', async () => {
      const missing = path.join(__dirname, '../fixtures/no-such-module.js');
      const error = await failureOf(pool.submit(task(missing, 'run')));
      expect(error.name).toBe('Error');
      expect(error.code).toBe('MODULE_NOT_FOUND');
      expect(error.message).toContain(`Cannot find module '${missing}'`);
      expect(await pool.submit(faults.double, 1)).toBe(2);
    });

    it('should fail the future with an error naming a missing package', async () => {
      const error = await failureOf(pool.submit(task('rxfutures-no-such-package', 'run')));
      expect(error.message).toContain('rxfutures-no-such-package');
    });

    it('should fail the future with a TypeError naming a missing export and the module', async () => {
      const error = await failureOf(pool.submit((faults as unknown as Record<string, typeof faults.double>).noSuchExport, 1));
      expect(error.name).toBe('TypeError');
      expect(error.message).toMatch(/^task module .*faultTasks\.ts has no function export named "noSuchExport" \(function exports: .*\bdouble\b/);
      expect(await pool.submit(faults.double, 2)).toBe(4);
    });
  });

  describe('things that are not tasks', () => {
    it.each([
      ['a bound function', function named(this: unknown) {}.bind(null), /submit: task: function bound named is a bound function/],
      ['a native function', Math.max, /submit: task: function max is a native function/],
      ['a class', class Job {}, /submit: task: function Job is a class/],
      ['a number', 42, /submit: task must be a Task \(task\(\) \/ taskModule\(\)\) or a self-contained function, got/],
      ['a string', 'double', /submit: task must be a Task/],
      ['null', null, /submit: task must be a Task/],
    ])('should throw a TypeError synchronously for %s', (_label, notATask, message) => {
      const before = pool.stats;
      let thrown: any;
      try {
        pool.submit(notATask as never);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeDefined();
      expect(thrown.name).toBe('TypeError');
      expect(thrown.message).toMatch(message);
      expect(pool.stats.queued).toBe(before.queued);
    });
  });
});
