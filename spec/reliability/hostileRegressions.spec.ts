/**
 * Regression specs for what spec/reliability/hostileProperty.spec.ts found
 * (issue #14), each the smallest case that failed before its fix.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ThreadPoolExecutor, taskModule } from '../../lib';
import { checkCloneable } from '../../lib/internal/cloneCheck';
import { tooDeep } from '../../lib/processPool/nestingDepth';
import { isTransferred } from '../../lib/transfer';
import { within } from '../helpers/within';

const tasks = taskModule<typeof import('../fixtures/hostileTasks')>(path.join(__dirname, '../fixtures/hostileTasks.ts'));

/** A sparse array whose only element sits at the last index an array can have. */
function hugeSparse(): unknown[] {
  const a: unknown[] = [];
  a[2 ** 32 - 2] = 'last';
  return a;
}

/** @test {checkCloneable} */
describe('hostile values the property found', () => {
  it('should check a sparse array of length 2**32-1 without visiting every index', () => {
    const start = performance.now();
    expect(checkCloneable(hugeSparse(), 'result')).toEqual({ unchecked: false });
    expect(tooDeep(hugeSparse(), 'the result')).toBeUndefined();
    expect(performance.now() - start).toBeLessThan(2_000);
  });

  it('should refuse an Error whose cause leads back to it (V8 cannot deserialise it)', () => {
    const error = new Error('cyclic');
    error.cause = { self: error };
    expect(checkCloneable(error, 'result').bad).toBe('result.cause.self refers back to an Error that contains it (through its cause), which the receiving side cannot rebuild');
    const shared = new Error('shared');
    // Met twice, never inside itself: fine.
    expect(checkCloneable([shared, new Error('other', { cause: shared })], 'result').bad).toBeUndefined();
  });

  it('should refuse a native Error whose name or stack getter throws, and accept its other properties', () => {
    const named = new Error('x');
    Object.defineProperty(named, 'name', {
      get() {
        throw new Error('name getter threw');
      },
    });
    expect(checkCloneable({ e: named }, 'result').bad).toBe('result.e.name cannot be read: its getter threw Error: name getter threw');
    const symbolName = new Error('x');
    Object.defineProperty(symbolName, 'name', { value: Symbol('n') });
    expect(checkCloneable(symbolName, 'result').bad).toMatch(/^result\.name is a symbol/);
    // V8 never sends an Error's other properties: a function there is no problem.
    expect(checkCloneable(Object.assign(new Error('x'), { f() {} }), 'result').bad).toBeUndefined();
  });

  it('should check an object that only inherits Error.prototype as the plain object it is cloned as', () => {
    const fake = Object.create(Error.prototype) as Record<string, unknown>;
    fake.handler = () => 1;
    expect(checkCloneable(fake, 'result').bad).toMatch(/^result .*cannot be cloned|^result\.handler is a function/);
  });

  it('should not take a Proxy whose get trap throws for a transfer() marker', () => {
    const hostile = new Proxy({}, {
      get() {
        throw new Error('trap get threw');
      },
    });
    expect(isTransferred(hostile)).toBe(false);
  });

  it('should measure an Error by what V8 sends (its cause), not by properties that throw when read', () => {
    const error = Object.assign(new Error('x'), {
      code: new Proxy({ a: 1 }, {
        get() {
          throw new Error('trap get threw');
        },
      }),
    });
    expect(() => tooDeep(error, "the task's exception")).not.toThrow();
    expect(tooDeep(error, "the task's exception")).toBeUndefined();
  });

  describe('on the thread pool', () => {
    let pool: ThreadPoolExecutor;
    beforeAll(() => {
      pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    });
    afterAll(async () => {
      await within(pool.shutdown(), 10_000, 'shutdown');
    });

    it('should fail a Proxy argument whose get trap throws through the future, not throw from submit', async () => {
      const hostile = new Proxy({}, {
        get() {
          throw new Error('trap get threw');
        },
      });
      let future: ReturnType<ThreadPoolExecutor['submit']> | undefined;
      expect(() => (future = pool.submit(tasks.echo, hostile))).not.toThrow();
      const error: any = await within(future!.exception(), 5_000, 'the future');
      expect(error?.name).toBe('DataCloneError');
    });

    it('should fail a sparse result of length 2**32-1 or a cyclic-cause Error soon, and keep serving', async () => {
      const sparse = await within(pool.submit(tasks.giveBack, { t: 'sparse', length: 2 ** 32 - 1, at: { t: 'prim', v: 'last' } }).result(), 5_000, 'the sparse result');
      expect((sparse as unknown[]).length).toBe(2 ** 32 - 1);
      const cyclic: any = await within(pool.submit(tasks.giveBack, { t: 'cycle', via: 'causeObject', inner: { t: 'prim', v: 1 } }).exception(), 5_000, 'the cyclic result');
      expect(cyclic?.name).toBe('DataCloneError');
      expect(cyclic.message).toMatch(/refers back to an Error that contains it/);
      await expect(within(pool.submit(tasks.giveBack, 21).result(), 5_000, 'the next task')).resolves.toBe(42);
    });

    it("should keep a thrown error's own name when one of its properties is an Error whose name getter throws", async () => {
      const error: any = await within(
        pool.submit(tasks.throwIt, { t: 'error', ctor: 'Error', name: 'constructor', message: 'm', props: [['code', { t: 'errorGetter', field: 'name' }]] }).exception(),
        5_000,
        'the future',
      );
      expect(error?.name).toBe('constructor');
      expect(error.message).toBe('m');
      expect(error.code).toMatch(/^\[uncloneable: the exception\.code\.name cannot be read/);
    });
  });
});
