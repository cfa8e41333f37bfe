import { execFile } from 'node:child_process';
import path from 'node:path';
import { ThreadPoolExecutor, taskModule } from '../../lib';
import { Flags } from '../helpers/flags';
import { captureWarnings } from '../helpers/warnings';
import { within } from '../helpers/within';

const idle = taskModule<typeof import('../fixtures/idleTasks')>(path.join(__dirname, '../fixtures/idleTasks.ts'));

/** Runs spec/fixtures/idleExit.js (which never shuts its pool down) to its exit. */
function runScript(mode: string): Promise<{ code: number | null; stdout: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [path.join(__dirname, '../fixtures/idleExit.js'), mode], { timeout: 30_000 }, (_error, stdout) =>
      resolve({ code: child.exitCode, stdout, ms: Date.now() - started }),
    );
  });
}

/**
 * @test {ThreadPoolExecutor} idle workers: an idle worker waits for work
 * blocked in Atomics.wait, except while its finished tasks left work on its
 * event loop — that work runs while the worker is idle, as it would on the
 * main thread, and is nobody's fault if it throws.
 */
describe('ThreadPoolExecutor idle workers', () => {
  let pool: ThreadPoolExecutor | undefined;
  afterEach(async () => {
    await pool?.shutdown({ cancelFutures: true });
    pool = undefined;
  });

  it('should run a timer a finished task left behind while the worker is idle', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const flags = new Flags();
    expect(await pool.submit(idle.leaveTimer, flags.array, 0, 50)).toBe('returned');
    // No task is submitted after it: only an idle worker whose event loop turns can set the flag.
    await flags.waitFor(0, 5_000);
  });

  it('should keep an interval ticking between tasks and while idle, and still serve every task', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const flags = new Flags();
    const kTicks = 0;
    const kStop = 1;
    expect(await pool.submit(idle.leaveInterval, flags.array, kTicks, kStop, 2)).toBe('returned');
    for (let i = 0; i < 200; i++) expect(await pool.submit(idle.double, i)).toBe(i * 2);
    // Idle now: the interval must go on ticking.
    const before = Atomics.load(flags.array, kTicks);
    for (let seen = before; seen < before + 5; seen = Atomics.load(flags.array, kTicks)) {
      const wait = Atomics.waitAsync(flags.array, kTicks, seen, 5_000);
      if (wait.async) expect(await wait.value).not.toBe('timed-out');
    }
    const batch = Array.from({ length: 1_000 }, (_, i) => pool!.submit(idle.double, i));
    expect(await Promise.all(batch)).toEqual(Array.from({ length: 1_000 }, (_, i) => i * 2));
    flags.release(kStop);
    // A worker kept awake is no work of the user's: shutdown does not wait for it.
    await within(pool.shutdown(), 5_000, 'shutdown of a pool whose worker has a live interval');
  });

  it('should not blame the next task for a timer of a finished task that throws', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const { warnings, first: warning, restore } = captureWarnings();
    try {
      expect(await pool.submit(idle.leaveCrashingTimer, 20)).toBe('returned');
      await within(warning, 5_000, 'the idle worker failure warning');
      expect(warnings.join('\n')).toMatch(/an idle worker thread failed: thrown by a timer a finished task left behind/);
      expect(await pool.submit(idle.double, 21)).toBe(42);
    } finally {
      restore();
    }
  });

  it('should blame a worker death on the task it ran, with no idle-failure warning from the kept-awake worker', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const flags = new Flags();
    const { warnings, restore } = captureWarnings();
    try {
      expect(await pool.submit(idle.leaveInterval, flags.array, 0, 1, 5)).toBe('returned');
      const error = await pool.submit(idle.exitWorker, 3).exception();
      expect(error).toMatchObject({ name: 'WorkerExitError', message: expect.stringMatching(/worker exited with code: 3/) });
      // The warning, if any, is decided one macrotask after the death.
      await new Promise((resolve) => setImmediate(resolve));
      expect(await pool.submit(idle.double, 4)).toBe(8);
      expect(warnings).toEqual([]);
    } finally {
      restore();
    }
  });

  it('should interrupt a task on a worker kept awake, quietly, and serve the next task on a fresh worker', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const flags = new Flags();
    const { warnings, restore } = captureWarnings();
    try {
      expect(await pool.submit(idle.leaveInterval, flags.array, 0, 1, 5)).toBe('returned');
      const spinning = pool.submit(idle.spinForever, flags.array, 2);
      await flags.waitFor(2);
      expect(spinning.cancel({ interrupt: true })).toBe(true);
      expect(spinning.state).toBe('cancelled');
      expect(await within(pool.submit(idle.double, 5).result(), 10_000, 'a call after the interrupt')).toBe(10);
      // The keep-alive run died with the interrupted worker: that is no idle failure.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toEqual([]);
    } finally {
      restore();
    }
  });

  it('should keep a worker kept awake for each of several workers, and shut down promptly', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const flags = new Flags();
    // Two at once, on whichever workers take them: every worker they land on is kept awake.
    const left = [pool.submit(idle.leaveTimer, flags.array, 0, 200), pool.submit(idle.leaveTimer, flags.array, 1, 200)];
    expect(await Promise.all(left)).toEqual(['returned', 'returned']);
    const many = Array.from({ length: 500 }, (_, i) => pool!.submit(idle.double, i));
    expect(await Promise.all(many)).toEqual(Array.from({ length: 500 }, (_, i) => i * 2));
    await flags.waitFor(0, 5_000);
    await flags.waitFor(1, 5_000);
    await within(pool.shutdown(), 5_000, 'shutdown');
  });

  it('should report utilization from the time workers spent on calls', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    expect(pool.stats.utilization).toBe(0);
    const flags = new Flags();
    await pool.submit(idle.leaveTimer, flags.array, 0, 1);
    for (let i = 0; i < 100; i++) await pool.submit(idle.double, i);
    const { utilization } = pool.stats;
    expect(utilization).toBeGreaterThan(0);
    expect(utilization).toBeLessThanOrEqual(1);
  });

  describe('a script that never shuts its pool down', () => {
    it('should exit by itself when its tasks left nothing behind', async () => {
      const { code, stdout } = await runScript('none');
      expect(stdout).toBe('result: returned\n');
      expect(code).toBe(0);
    });

    // Like the main thread's own pending timers: the process lives until the work is done.
    it('should exit by itself once the work a task left behind has run', async () => {
      const { code, stdout } = await runScript('timer');
      expect(stdout).toBe('result: returned\ntimer ran\n');
      expect(code).toBe(0);
    });
  });
});
