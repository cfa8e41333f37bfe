import { setImmediate as turn } from 'node:timers/promises';
import { AsyncExecutor, CancelledError, currentAbortSignal, throwIfInterrupted } from '../../lib';

/** @test {throwIfInterrupted} on the AsyncExecutor: it reads the running call's signal. */
describe('throwIfInterrupted on AsyncExecutor', () => {
  let io: AsyncExecutor;
  beforeEach(() => {
    io = new AsyncExecutor();
  });
  afterEach(async () => {
    await io.shutdown({ cancelFutures: true });
  });

  it('should throw the interrupt into a task polling it, after its finally ran', async () => {
    const steps: string[] = [];
    let seen: unknown;
    let markStarted!: () => void;
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    const f = io.submit(async () => {
      try {
        markStarted();
        // Bounded, so that a broken throwIfInterrupted() fails the spec instead of hanging it.
        for (let i = 0; i < 100_000; i++) {
          await turn();
          throwIfInterrupted();
        }
        return 'never interrupted';
      } catch (err) {
        seen = err;
        throw err;
      } finally {
        steps.push('cleaned up');
      }
    });
    await started;
    expect(f.cancel({ interrupt: true })).toBe(true);
    expect(f.state).toBe('cancelled');
    while (steps.length === 0) await turn();
    expect(steps).toEqual(['cleaned up']);
    expect(seen).toBeInstanceOf(CancelledError);
  });

  it('should not throw before the interrupt, nor outside a task call', async () => {
    expect(() => throwIfInterrupted()).not.toThrow();
    expect(currentAbortSignal().aborted).toBe(false);
    const f = io.submit(async () => {
      throwIfInterrupted();
      await turn();
      throwIfInterrupted();
      return currentAbortSignal().aborted;
    });
    expect(await f).toBe(false);
  });
});
