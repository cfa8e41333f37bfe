import { execFile } from 'node:child_process';
import path from 'node:path';

const root = path.join(__dirname, '../..');

interface ChildRun {
  out: Record<string, any>;
  /** Milliseconds between the child's `await pool.shutdown()` and its exit. */
  exitDelay: number;
}

/**
 * Runs a fixture in a plain Node process on the built package (dist/), where
 * no Jest realm stands between the errors and the built-in classes (SPEC §7).
 * The fixture never calls process.exit: if a thread lingered after shutdown,
 * the child would not end and the timeout would kill it.
 */
function runChild(fixture: string, timeoutMs = 30_000): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(__dirname, '../fixtures', fixture)], { cwd: root, timeout: timeoutMs }, (error, stdout, stderr) => {
      const exitedAt = Date.now();
      if (error) {
        reject(new Error(`${fixture} failed (killed: ${String(error.killed)}, signal: ${String(error.signal)}): ${stderr || error.message}`));
        return;
      }
      const out = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, any>;
      resolve({ out, exitDelay: exitedAt - out.shutdownAt });
    });
  });
}

/** @test {ThreadPoolExecutor} errors and shutdown in a plain Node realm */
describe('ThreadPoolExecutor in a plain Node process', () => {
  // One child run serves the first two tests.
  let viaRequire: Promise<ChildRun>;
  beforeAll(() => {
    viaRequire = runChild('realm-instanceof.cjs');
    viaRequire.catch(() => {}); // reported by the tests that await it
  });

  it('should rebuild errors as real instances of the built-in classes and WorkerExitError as a BrokenExecutor (require)', async () => {
    const { out } = await viaRequire;
    expect(out.typeError).toEqual({ name: 'TypeError', message: 'expected a string', isTypeError: true, isError: true });
    expect(out.cause).toEqual({ isError: true, causeIsRangeError: true, rootIsError: true });
    expect(out.aggregate).toEqual({
      isAggregateError: true,
      errors: [
        [true, false],
        [false, true],
      ],
    });
    // A subclass of TypeError from the worker is a TypeError here, under its own name.
    expect(out.subclass).toEqual({ name: 'BadInputError', isTypeError: true });
    expect(out.workerExit).toEqual({ name: 'WorkerExitError', isWorkerExitError: true, isBrokenExecutor: true, isError: true });
    expect(out.afterwards).toBe(42);
  });

  it('should exit by itself after await pool.shutdown(): no thread lingers', async () => {
    const { out, exitDelay } = await viaRequire;
    expect(out.workersAfterShutdown).toBe(0);
    // Generous: a lingering thread would keep the process alive until the 30 s timeout.
    expect(exitDelay).toBeLessThan(10_000);
  });

  it('should give the same classes through import (dist/esm) as through require', async () => {
    const { out, exitDelay } = await runChild('realm-import.mjs');
    expect(out).toMatchObject({
      isRangeError: true,
      message: 'n must be below 100, got 1000',
      isWorkerExitError: true,
      isBrokenExecutor: true,
      sameClassAsRequire: true,
    });
    expect(exitDelay).toBeLessThan(10_000);
  });
});
