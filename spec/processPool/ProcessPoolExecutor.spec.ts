import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { BrokenProcessPool, CancelledError, ProcessPoolExecutor, ShutdownError, taskModule } from '../../lib';
import { kSubmitBatch } from '../../lib/internal/symbols';
import { tasks as shared } from '../executors/executorCases';
import { Gate } from '../executors/Gate';

const tasks = taskModule<typeof import('../fixtures/processTasks')>(path.join(__dirname, '../fixtures/processTasks.ts'));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** Resolves once every pid is gone; a check with a deadline, not a sleep that synchronises anything. */
async function waitUntilGone(pids: number[], deadlineMs = 5000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (pids.some(isAlive)) {
    if (Date.now() > end) throw new Error(`still alive after ${deadlineMs} ms: ${pids.filter(isAlive).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** @test {ProcessPoolExecutor} */
describe('ProcessPoolExecutor', () => {
  let pool: ProcessPoolExecutor;
  let gate: Gate;
  beforeEach(async () => {
    gate = await Gate.open();
  });
  afterEach(async () => {
    await pool?.shutdown({ cancelFutures: true });
    await gate.close();
  });

  describe('options', () => {
    it('should default maxWorkers to availableParallelism() and start no child before the first task', async () => {
      pool = new ProcessPoolExecutor();
      expect(pool.maxWorkers).toBe(require('node:os').availableParallelism());
    });

    it('should check every option, naming it', () => {
      expect(() => new ProcessPoolExecutor({ maxTasksPerChild: 0 })).toThrow(/maxTasksPerChild/);
      expect(() => new ProcessPoolExecutor({ execArgv: '--foo' as never })).toThrow(/execArgv/);
      expect(() => new ProcessPoolExecutor({ env: 5 as never })).toThrow(/env/);
      expect(() => new ProcessPoolExecutor({ initargs: 'x' as never })).toThrow(/initargs/);
      expect(() => new ProcessPoolExecutor({ initializer: (() => undefined) as never })).toThrow(/module tasks only/);
      expect(() => new ProcessPoolExecutor({ initializer: tasks.init, initargs: [() => 1] })).toThrow(/initargs.*function/);
    });

    it('should pass env and execArgv to the children', async () => {
      pool = new ProcessPoolExecutor({ maxWorkers: 1, env: { ...process.env, RXF_MARK: 'from the parent' }, execArgv: ['--max-old-space-size=128'] });
      expect(await pool.submit(tasks.readEnv, 'RXF_MARK')).toBe('from the parent');
      expect(await pool.submit(tasks.execArgv)).toEqual(['--max-old-space-size=128']);
    });

    it('should run the initializer once in every child before its first task', async () => {
      pool = new ProcessPoolExecutor({ maxWorkers: 2, initializer: tasks.init, initargs: ['ready'] });
      const seen = await Promise.all(Array.from({ length: 6 }, () => pool.submit(tasks.readInit)));
      expect(seen.map(([value]) => value)).toEqual(Array(6).fill('ready'));
    });

    it('should break the pool when the initializer throws: futures fail with BrokenProcessPool, so do later submits', async () => {
      pool = new ProcessPoolExecutor({ maxWorkers: 1, initializer: tasks.failingInit });
      const error = (await pool.submit(tasks.pid).exception()) as Error;
      expect(error.name).toBe('BrokenProcessPool');
      expect(error.message).toMatch(/initializer failed.*initializer exploded/);
      expect(error.cause).toMatchObject({ message: 'initializer exploded', code: 'E_INIT' });
      expect(() => pool.submit(tasks.pid)).toThrow(BrokenProcessPool);
    });

    it('should replace a child after maxTasksPerChild calls', async () => {
      pool = new ProcessPoolExecutor({ maxWorkers: 1, maxTasksPerChild: 2 });
      const pids: number[] = [];
      for (let i = 0; i < 6; i++) pids.push(await pool.submit(tasks.pid));
      expect(pids[0]).toBe(pids[1]);
      expect(pids[2]).toBe(pids[3]);
      expect(new Set(pids).size).toBe(3);
      await waitUntilGone([pids[0], pids[2]]);
    });
  });

  it('should run tasks in child processes, in parallel', async () => {
    pool = new ProcessPoolExecutor({ maxWorkers: 2 });
    const a = pool.submit(shared.hold, gate.path, 'a', 'a');
    const b = pool.submit(shared.hold, gate.path, 'b', 'b');
    await Promise.all([gate.started('a'), gate.started('b')]); // both run at once
    gate.release('a');
    gate.release('b');
    expect(await Promise.all([a, b])).toEqual(['a', 'b']);
    const pids = await Promise.all([pool.submit(tasks.pid), pool.submit(tasks.pid)]);
    expect(pids).not.toContain(process.pid);
  });

  describe('a child that dies', () => {
    it.each([
      ['exits (process.exit)', (p: ProcessPoolExecutor) => p.submit(tasks.exit, 3), /exited with code 3/],
      ['is killed by a signal', (p: ProcessPoolExecutor) => p.submit(tasks.killSelf, 'SIGKILL'), /killed by SIGKILL/],
    ])('should break the pool when it %s: running and pending futures fail with BrokenProcessPool, later submits throw it', async (_how, kill, reason) => {
      pool = new ProcessPoolExecutor({ maxWorkers: 2 });
      const held = pool.submit(shared.hold, gate.path, 'held', 'never');
      await gate.started('held');
      const dying = kill(pool);
      const pending = pool.submit(tasks.pid);
      for (const f of [dying, held, pending]) {
        const error = (await f.exception()) as Error;
        expect(error.name).toBe('BrokenProcessPool');
        expect(error.message).toMatch(reason);
      }
      expect(() => pool.submit(tasks.pid)).toThrow(BrokenProcessPool);
      expect(() => pool.map(tasks.pid, [])).toThrow(/terminated abruptly/);
      await expect(pool.shutdown()).resolves.toBeUndefined();
    });

    it('should break the pool when it is killed from outside while running a task', async () => {
      pool = new ProcessPoolExecutor({ maxWorkers: 1 });
      const victim = await pool.submit(tasks.pid);
      const held = pool.submit(shared.hold, gate.path, 'held', 'never');
      await gate.started('held');
      process.kill(victim, 'SIGTERM');
      expect(await held.exception()).toMatchObject({ name: 'BrokenProcessPool', message: expect.stringMatching(/killed by SIGTERM/) });
    });
  });

  describe('interrupt', () => {
    it('should kill the child running the task, and replace it without breaking the pool', async () => {
      pool = new ProcessPoolExecutor({ maxWorkers: 1 });
      const victim = await pool.submit(tasks.pid); // the only child, which will spin
      const spinning = pool.submit(shared.spinForever, gate.path, 'spin');
      const next = pool.submit(tasks.pid);
      await gate.started('spin');
      expect(spinning.cancel({ interrupt: true })).toBe(true);
      await expect(spinning.result()).rejects.toBeInstanceOf(CancelledError);
      const replacement = await next;
      expect(replacement).not.toBe(victim);
      await waitUntilGone([victim]);
    });
  });

  it('should run the other calls of a chunk again on a new child when one of its calls is interrupted', async () => {
    pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    const job = (name: string, hold: boolean): [{ gate: string; name: string; value: string; hold: boolean }] => [{ gate: gate.path, name, value: name, hold }];
    const [held, after] = pool[kSubmitBatch](shared.job, [job('c0', true), job('c1', false)]);
    await gate.started('c0');
    expect(after.state).toBe('running'); // sent in the same message
    expect(held.cancel({ interrupt: true })).toBe(true);
    expect(await after).toBe('c1');
    expect(held.cancelled()).toBe(true);
  });

  describe('shutdown', () => {
    it('should leave no child process once shutdown({ wait: true }) resolves', async () => {
      pool = new ProcessPoolExecutor({ maxWorkers: 2 });
      const held = pool.submit(shared.hold, gate.path, 'held', 1);
      const pids = await Promise.all([pool.submit(tasks.pid), pool.submit(tasks.pid)]);
      await gate.started('held');
      const closing = pool.shutdown({ wait: true });
      expect(() => pool.submit(tasks.pid)).toThrow(ShutdownError);
      gate.release('held');
      await closing;
      expect(await held).toBe(1);
      for (const pid of new Set(pids)) expect(isAlive(pid)).toBe(false);
    });

    it('should leave no orphans when the parent crashes: idle children and one spinning in sync code exit', async () => {
      const parent = spawn(process.execPath, [path.join(__dirname, '../fixtures/processPoolParent.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
      const lines = createInterface({ input: parent.stdout! })[Symbol.asyncIterator]();
      const pids = JSON.parse((await lines.next()).value as string) as number[];
      expect((await lines.next()).value).toBe('spinning');
      expect(pids.every(isAlive)).toBe(true);
      parent.kill('SIGKILL');
      await waitUntilGone(pids);
    });
  });
});
