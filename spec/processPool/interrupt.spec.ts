import path from 'node:path';
import { CancelledError, ProcessPoolExecutor, WorkerExitError, taskModule, type Future } from '../../lib';
import { kSubmitBatch } from '../../lib/internal/symbols';
import { Gate } from '../executors/Gate';

const tasks = taskModule<typeof import('./fixtures/boundaryTasks')>(path.join(__dirname, 'fixtures/boundaryTasks.ts'));

/** @test {ProcessPoolExecutor} */
describe('ProcessPoolExecutor cooperative interrupt', () => {
  let pool: ProcessPoolExecutor;
  let gate: Gate;
  beforeEach(async () => {
    gate = await Gate.open();
  });
  afterEach(async () => {
    await pool?.shutdown({ cancelFutures: true });
    await gate.close();
  });

  it('should check interruptGraceMs, naming it', () => {
    expect(() => new ProcessPoolExecutor({ interruptGraceMs: -1 })).toThrow(/interruptGraceMs/);
    expect(() => new ProcessPoolExecutor({ interruptGraceMs: '5' as never })).toThrow(/interruptGraceMs/);
  });

  it.each([
    ['an async task that waits on currentAbortSignal()', tasks.awaitAbort],
    ['a synchronous loop that polls throwIfInterrupted()', tasks.spinPolling],
  ] as const)('should keep the child of %s: cancelled at once, same pid next', async (_what, task) => {
    // A grace far beyond the test's patience: the child can only stay if the task honoured the interrupt.
    pool = new ProcessPoolExecutor({ maxWorkers: 1, interruptGraceMs: 60_000 });
    const before = await pool.submit(tasks.pid);
    const f = pool.submit(task, gate.path, 'call');
    await gate.started('call');
    expect(f.cancel({ interrupt: true })).toBe(true);
    expect(f.cancelled()).toBe(true);
    await expect(f.result()).rejects.toBeInstanceOf(CancelledError);
    expect(await pool.submit(tasks.pid)).toBe(before);
  });

  it('should kill and replace the child of a task that ignores the interrupt, after interruptGraceMs', async () => {
    pool = new ProcessPoolExecutor({ maxWorkers: 1, interruptGraceMs: 50 });
    const before = await pool.submit(tasks.pid);
    const f = pool.submit(tasks.spinIgnoring, gate.path, 'spin');
    await gate.started('spin');
    expect(f.cancel({ interrupt: true })).toBe(true);
    expect(f.cancelled()).toBe(true);
    expect(await pool.submit(tasks.pid)).not.toBe(before);
  });

  it('should interrupt only its own call of a coalesced message: the others run once, on the same child', async () => {
    pool = new ProcessPoolExecutor({ maxWorkers: 1, interruptGraceMs: 60_000 });
    const before = await pool.submit(tasks.pid);
    const [first, interrupted, last] = pool[kSubmitBatch](tasks.awaitAbort, [[gate.path, 'a'], [gate.path, 'b'], [gate.path, 'c']]) as Array<Future<number>>;
    await gate.started('a');
    // 'b' has not started: interrupting it skips it; 'a' and 'c' are not touched.
    expect(interrupted.cancel({ interrupt: true })).toBe(true);
    expect(first.cancel({ interrupt: true })).toBe(true);
    await gate.started('c');
    expect(last.cancel({ interrupt: true })).toBe(true);
    expect(await pool.submit(tasks.pid)).toBe(before);
  });

  it('should run the calls of a coalesced message that never started again elsewhere when its child is killed, and fail the started ones', async () => {
    pool = new ProcessPoolExecutor({ maxWorkers: 1, interruptGraceMs: 50 });
    const before = await pool.submit(tasks.pid);
    const [finished, spinning, never] = pool[kSubmitBatch](tasks.echoOrSpin, [
      ['echo', gate.path, 'x'],
      ['spin', gate.path, 'spin'],
      ['echo', gate.path, 'y'],
    ]);
    await gate.started('spin');
    expect(spinning.cancel({ interrupt: true })).toBe(true);
    // 'x' ran, and its result died with its child: it fails rather than run twice. 'y' never started: it runs once, elsewhere.
    expect(await finished.exception()).toBeInstanceOf(WorkerExitError);
    expect(await never).toBe('y');
    expect(await pool.submit(tasks.pid)).not.toBe(before);
  });
});
