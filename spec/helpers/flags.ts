/**
 * Shared flags for Atomics-synchronised worker fixtures (Piscina's style):
 * a task sets `started`, the spec waits for it without sleeping, and
 * releases the task by setting its slot.
 */
/** Resolves once `array[index]` is non-zero (Atomics.waitAsync: no polling, no sleep). */
export async function waitNonZero(array: Int32Array, index: number, timeoutMs = 10_000): Promise<void> {
  const result = Atomics.waitAsync(array, index, 0, timeoutMs);
  const outcome = result.async ? await result.value : result.value;
  if (outcome === 'timed-out') throw new Error(`flag ${index} was not set within ${timeoutMs} ms`);
}

export class Flags {
  readonly array: Int32Array;
  constructor(size = 16) {
    this.array = new Int32Array(new SharedArrayBuffer(4 * size));
  }

  /** Resolves once `flags[index]` is non-zero (Atomics.waitAsync: no polling, no sleep). */
  waitFor(index: number, timeoutMs = 10_000): Promise<void> {
    return waitNonZero(this.array, index, timeoutMs);
  }

  release(index: number): void {
    Atomics.store(this.array, index, 1);
    Atomics.notify(this.array, index);
  }
}
