import { Future, task, type Executor } from '../../lib';
import { executorCases, fixture, tasks } from './executorCases';

/** @test {Executor#submit} on every executor */
describe.each(executorCases)('$name submit', (c) => {
  let executor: Executor;
  beforeAll(() => {
    executor = c.make();
  });
  afterAll(async () => {
    await executor.shutdown();
  });

  it('should return a Future of a module task result', async () => {
    const f = executor.submit(tasks.double, 21);
    expect(f).toBeInstanceOf(Future);
    expect(await f.result()).toBe(42);
    expect(f.state).toBe('finished');
  });

  it('should run async exports and the default export', async () => {
    expect(await executor.submit(tasks.asyncDouble, 4)).toBe(8);
    expect(await executor.submit(task<[number], string>(fixture, 'default'), 5)).toBe('default:5');
  });

  it("should deliver the task's exception whole: class name, message, code, cause chain, stack", async () => {
    const error = (await executor.submit(tasks.fail, 'boom').exception()) as Error & { code?: string; cause?: Error };
    expect(error.name).toBe('TypeError');
    expect(error.message).toBe('boom');
    expect(error.code).toBe('E_FAIL');
    expect(error.cause).toMatchObject({ name: 'RangeError', message: 'the inner cause' });
    expect(error.stack).toMatch(/^TypeError: boom\n/);
    expect(error.stack).toMatch(/executorTasks/);
  });

  it('should deliver a thrown non-Error as it was thrown', async () => {
    expect(await executor.submit(tasks.throwValue, { reason: 'plain object', n: 7 }).exception()).toEqual({ reason: 'plain object', n: 7 });
    expect(await executor.submit(tasks.throwValue, 'a string').exception()).toBe('a string');
  });

  it('should throw a TypeError synchronously for something that is not a task', () => {
    expect(() => executor.submit(42 as never)).toThrow(TypeError);
    expect(() => executor.submit('double' as never)).toThrow(/must be a Task/);
  });

  if (c.inlineFunctions) {
    it('should run a self-contained function', async () => {
      expect(await executor.submit((a: number, b: number) => a + b, 2, 3)).toBe(5);
    });
  } else {
    it('should refuse a function with a TypeError that says why and what to do instead', () => {
      expect(() => executor.submit((a: number, b: number) => a + b, 2, 3)).toThrow(/module tasks only.*shares no memory.*task\(require\.resolve/s);
    });
  }

  if (c.closures) {
    it('should run a closure over outer variables', async () => {
      const seen: number[] = [];
      const f = executor.submit(async (x: number) => {
        seen.push(x);
        return seen.length;
      }, 9);
      expect(await f).toBe(1);
      expect(seen).toEqual([9]);
    });
  }

  if (c.crossesBoundary) {
    it('should clone arguments and results, and fail only that future with DataCloneError for a function argument', async () => {
      const arg = { nested: [1, 2], when: new Date(0), map: new Map([['k', 1]]) };
      const back = await executor.submit(tasks.echo, arg);
      expect(back).toEqual(arg);
      expect(back).not.toBe(arg);
      const bad = executor.submit(tasks.echo, { handler: () => 1 });
      expect(await bad.exception()).toMatchObject({ name: 'DataCloneError', message: expect.stringMatching(/args\[0\]\.handler is a function/) });
      expect(await executor.submit(tasks.double, 1)).toBe(2);
    });
  } else {
    it('should pass arguments as they are, uncloned', async () => {
      const arg = { handler: () => 1 };
      expect(await executor.submit(tasks.echo, arg)).toBe(arg);
    });
  }
});
