import path from 'node:path';
import { DataCloneError, ProcessPoolExecutor, taskModule } from '../../lib';
import { kSubmitBatch } from '../../lib/internal/symbols';

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
  });
});
