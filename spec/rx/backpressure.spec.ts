import { range, type Subscription } from 'rxjs';
import { Future, mapOrdered$, type Executor } from '../../lib';
import { verbose } from '../helpers/verbose';

/**
 * A lean executor for a million calls: futures finish on the next
 * setImmediate turn, never during the synchronous burst, and nothing is
 * logged (VirtualExecutor's log would hold three entries per call).
 */
class TurnExecutor {
  readonly maxWorkers = 4;
  submitted = 0;
  maxOutstanding = 0;
  #outstanding: Array<{ future: Future<unknown>; run: () => unknown }> = [];
  #scheduled = false;

  submit(fn: (x: unknown) => unknown, x: unknown): Future<unknown> {
    const future = new Future<unknown>();
    this.submitted += 1;
    this.#outstanding.push({ future, run: () => fn(x) });
    this.maxOutstanding = Math.max(this.maxOutstanding, this.#outstanding.length);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#drain());
    }
    return future;
  }

  #drain(): void {
    this.#scheduled = false;
    for (const { future, run } of this.#outstanding.splice(0)) {
      if (future.setRunningOrNotifyCancel()) future.setResult(run());
    }
  }
}

const MB = 1024 * 1024;
const N = 1_000_000;
const gc = (globalThis as { gc?: () => void }).gc;

/** @test {mapOrdered$} */
describe('mapOrdered$ backpressure', () => {
  it('should hold a million synchronous source values as plain values, never a million futures', async () => {
    const executor = new TurnExecutor();
    gc?.();
    const before = process.memoryUsage().heapUsed;

    let next = 0;
    let outOfOrder = 0;
    let subscription: Subscription | undefined;
    const done = new Promise<void>((resolve, reject) => {
      subscription = range(0, N)
        .pipe(mapOrdered$(executor as unknown as Executor, (x: number) => x * 2))
        .subscribe({
          next: (y) => {
            if (y !== next * 2) outOfOrder += 1;
            next += 1;
          },
          error: reject,
          complete: resolve,
        });
    });

    // The synchronous burst is over: every value is buffered, only buffersize calls were submitted.
    const peak = process.memoryUsage().heapUsed;
    const growthMB = (peak - before) / MB;
    expect(executor.submitted).toBe(8); // buffersize = 2 × maxWorkers
    expect(growthMB).toBeLessThan(64); // a million Futures with a done callback each measure ~475 MB

    await done;
    expect(subscription?.closed).toBe(true);
    expect(next).toBe(N);
    expect(outOfOrder).toBe(0);
    expect(executor.submitted).toBe(N);
    expect(executor.maxOutstanding).toBeLessThanOrEqual(8);
    // For the record, with RXFUTURES_SPEC_VERBOSE=1 (the test command stays quiet).
    verbose(
      `mapOrdered$ backpressure: heap growth after a synchronous burst of ${N} values: ${growthMB.toFixed(1)} MB ` +
        `(${(((peak - before) / N) | 0) } bytes per held value; gc ${gc ? 'on' : 'unavailable'})`,
    );
  });
});
