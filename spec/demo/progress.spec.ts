import { Progress } from '../../demo/progress';

/** The demo's progress bar: a terminal write per result would cost the main thread more than the scan saves. */
describe('demo Progress', () => {
  const tty = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
  afterEach(() => {
    if (tty === undefined) delete (process.stdout as { isTTY?: boolean }).isTTY;
    else Object.defineProperty(process.stdout, 'isTTY', tty);
    jest.restoreAllMocks();
  });

  it('should redraw a terminal bar at most ~10 times a second, and draw the last state at the end', () => {
    Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true });
    const writes: string[] = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    const progress = new Progress();
    const startedAt = Date.now();
    const t0 = Date.now();
    for (let i = 1; i <= 5000; i++) progress.update(i, 5000, i * 100, startedAt);
    const elapsed = Date.now() - t0;
    const draws = writes.length;
    progress.end();
    // One draw at once, then one per 100 ms at most (+1 for a boundary crossed while looping).
    expect(draws).toBeLessThanOrEqual(2 + Math.floor(elapsed / 100));
    expect(writes.at(-2)).toMatch(/scanned 5000 of 5000 files found/);
    expect(writes.at(-1)).toBe('\n');
  });
});
