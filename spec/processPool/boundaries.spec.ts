import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DataCloneError, ProcessPoolExecutor, taskModule } from '../../lib';
import { kSubmitBatch } from '../../lib/internal/symbols';
import { verbose } from '../helpers/verbose';
import { within } from '../helpers/within';

const tasks = taskModule<typeof import('./fixtures/boundaryTasks')>(path.join(__dirname, 'fixtures/boundaryTasks.ts'));

// Every name an Object.prototype lookup could trip on (issue #14).
const kPrototypeNames = [...Object.getOwnPropertyNames(Object.prototype), '__proto__'];

/** @test {ProcessPoolExecutor} */
describe('ProcessPoolExecutor at its boundary with a child', () => {
  let pool: ProcessPoolExecutor;
  afterEach(async () => {
    await pool?.shutdown({ cancelFutures: true });
  });

  it('should end each future with the name of the error its task threw, Object.prototype names included, in one message with its neighbours', async () => {
    pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    const names = ['', ...kPrototypeNames, ''];
    const futures = pool[kSubmitBatch](tasks.throwNamed, names.map((n) => [n] as [string]));
    const outcomes = await Promise.all(futures.map((f) => f.exception().then((e) => (e === undefined ? f.result() : (e as Error).name))));
    expect(outcomes).toEqual(['ok', ...kPrototypeNames, 'ok']);
    expect((await futures[1].exception()) as Error).toBeInstanceOf(Error);
    expect(await pool.submit(tasks.echo, 'still serving')).toBe('still serving');
  });

  it('should end submit, map and stream with an error named like an Object.prototype member', async () => {
    pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      expect(((await pool.submit(tasks.throwNamed, name).exception()) as Error).name).toBe(name);
      await expect(pool.map(tasks.throwNamed, [name]).next()).rejects.toMatchObject({ name });
      const stream = pool.stream(tasks.streamThrowNamed, name);
      expect(await stream.next()).toEqual({ value: 1, done: false });
      await expect(stream.next()).rejects.toMatchObject({ name });
    }
  });

  it.each([
    ['a 10,000-deep linked list', tasks.deepList, [10_000], /nests deeper than 1000 levels/],
    ['a throwing getter', tasks.throwingGetter, [], /getter exploded/],
    ['a function', tasks.returnsFunction, [], /function/],
  ] as const)('should fail a result that cannot be sent back (%s) with DataCloneError, and the child keeps serving', async (_what, task, args, message) => {
    pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    const before = await pool.submit(tasks.pid);
    const [bad, neighbour] = pool[kSubmitBatch](task as never, [args as never, args as never]).map((f, i) => (i === 0 ? f : pool.submit(tasks.echo, 'neighbour')));
    const error = await bad.exception();
    expect(error).toBeInstanceOf(DataCloneError);
    expect((error as Error).message).toMatch(message);
    expect(await neighbour).toBe('neighbour');
    expect(await pool.submit(tasks.pid)).toBe(before);
  });

  it('should fail a call whose arguments nest 5,000 deep through its future: submit does not throw', async () => {
    pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    let deep: unknown = null;
    for (let i = 0; i < 5_000; i++) deep = { next: deep };
    const [bad, good] = pool[kSubmitBatch](tasks.echo, [[deep], ['fine']]);
    expect(await bad.exception()).toBeInstanceOf(DataCloneError);
    expect(await good).toBe('fine');
    expect(() => pool.submit(tasks.echo, deep)).not.toThrow();
  });

  it('should throw a stream value that cannot be sent back to the consumer, not skip it', async () => {
    pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    const stream = pool.stream(tasks.deepStream);
    expect(await stream.next()).toEqual({ value: 1, done: false });
    await expect(stream.next()).rejects.toBeInstanceOf(DataCloneError);
    expect(await pool.submit(tasks.echo, 'after')).toBe('after');
  });

  describe('a child that writes to its message socket itself', () => {
    it.each(['garbage', 'tooDeep'] as const)('should fail the calls of that child with DataCloneError on a %s frame, replace it, and keep this process', async (kind) => {
      pool = new ProcessPoolExecutor({ maxWorkers: 1 });
      const victim = await pool.submit(tasks.pid);
      const error = await pool.submit(tasks.writeFrame, kind, 'value').exception();
      expect(error).toBeInstanceOf(DataCloneError);
      expect((error as Error).message).toMatch(/could not be read/);
      const next = await pool.submit(tasks.pid);
      expect(next).not.toBe(victim);
    });

    it.each(['unknownId', 'wrongShape'] as const)('should ignore a frame with %s and deliver the real answer', async (kind) => {
      pool = new ProcessPoolExecutor({ maxWorkers: 1 });
      expect(await pool.submit(tasks.writeFrame, kind, 'real')).toBe('real');
    });

    it('should rebuild a forged exception whose levels share their parts (3^40 paths, one 5,000-key props) in bounded time', async () => {
      pool = new ProcessPoolExecutor({ maxWorkers: 1 });
      // A fresh pool's first call is call 1, the id the forged answer names.
      const future = pool.submit(tasks.writeFrame, 'sharedDag', 'real');
      const start = performance.now();
      const error = (await within(future.exception(), 10_000, 'the forged answer')) as AggregateError;
      const ms = performance.now() - start;
      verbose(`a forged exception of shared parts settled in ${ms.toFixed(0)} ms`);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe('AggregateError');
      expect(error.message).toBe('level 39');
      // Its own properties once (the shared props object is copied to the first error only).
      expect(Object.keys(error)).toHaveLength(5_000);
      expect((error.errors[0] as Error).message).toBe('level 38');
      let errors = 0;
      const walk: unknown[] = [error];
      for (let e = walk.pop(); e !== undefined; e = walk.pop()) {
        errors += 1;
        const { cause, errors: children } = e as { cause?: unknown; errors?: unknown[] };
        if (cause !== undefined) walk.push(cause);
        if (Array.isArray(children)) walk.push(...children);
      }
      // Bounded by the decoder (1,000 errors, then one marker per cut), not 3^40.
      expect(errors).toBeLessThan(2_100);
      expect(await within(pool.submit(tasks.echo, 'still serving').result(), 10_000, 'the next call')).toBe('still serving');
    }, 30_000);
  });

  describe('what v8.serialize refuses but a thread would carry', () => {
    it("should deliver an exception whose cause and a property hold a SharedArrayBuffer, each replaced by a description naming it", async () => {
      pool = new ProcessPoolExecutor({ maxWorkers: 1 });
      const error = (await pool.submit(tasks.throwSharedMemory).exception()) as RangeError & { code: string; view: unknown };
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe('RangeError');
      expect(error.message).toBe('kept');
      expect(error.code).toBe('E_SHARED');
      expect(error.view).toBe('[uncloneable: the exception.view is a view (Int32Array) of a SharedArrayBuffer, which cannot be shared with another process]');
      const cause = error.cause as Error;
      // A part of the exception, not the call's failure: an Error named DataCloneError.
      expect(cause.name).toBe('DataCloneError');
      expect(cause.message).toBe(
        'an exception cannot be cloned to the other side: the exception.cause.memory is a SharedArrayBuffer, which cannot be shared with another process',
      );
    });

    it('should deliver an exception with a property the serializer refuses (a Blob), that property described', async () => {
      pool = new ProcessPoolExecutor({ maxWorkers: 1 });
      const error = (await pool.submit(tasks.throwHostObject).exception()) as Error & { code: string; blob: unknown };
      expect(error.name).toBe('Error');
      expect(error.message).toBe('with a blob');
      expect(error.code).toBe('E_BLOB');
      expect(error.blob).toMatch(/^\[uncloneable: the exception\.blob cannot be serialized: /);
    });

    it('should fail a result holding a SharedArrayBuffer with DataCloneError naming its path', async () => {
      pool = new ProcessPoolExecutor({ maxWorkers: 1 });
      const error = await pool.submit(tasks.returnsSharedMemory).exception();
      expect(error).toBeInstanceOf(DataCloneError);
      expect((error as Error).message).toBe(
        'the result cannot be cloned to the parent process: result.memory is a SharedArrayBuffer, which cannot be shared with another process',
      );
    });

    it('should settle a result whose getter throws on every other read, in one message with its neighbours, and keep the child', async () => {
      pool = new ProcessPoolExecutor({ maxWorkers: 1 });
      const before = await pool.submit(tasks.pid);
      const [first, hostile, last] = pool[kSubmitBatch](tasks.echoOr as never, [['echo', 1], ['alternating'], ['echo', 3]] as never);
      expect(await within(first.result(), 10_000, 'the first neighbour')).toBe(1);
      expect(await within(last.result(), 10_000, 'the last neighbour')).toBe(3);
      // Read once by each check, then by the serializer (which throws): sent as the copy made on the next read.
      const outcome = await within(hostile.exception().then((e) => e ?? hostile.resultNow()), 10_000, 'the hostile call');
      expect(outcome).toEqual({ ok: 1, g: 4 });
      expect(await pool.submit(tasks.pid)).toBe(before);
    });
  });
});
