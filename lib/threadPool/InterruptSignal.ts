/**
 * The smallest object Piscina accepts as a task's `signal` (it only calls
 * `addEventListener('abort', fn, { once: true })` and `removeEventListener`).
 * An AbortController costs several microseconds to create — a visible share
 * of a ~20 µs round trip — and every task needs one for `interrupt`.
 */
export class InterruptSignal {
  aborted = false;
  reason: unknown = undefined;
  #listener: (() => void) | undefined;

  addEventListener(_type: 'abort', listener: () => void): void {
    this.#listener = listener;
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    if (this.#listener === listener) this.#listener = undefined;
  }

  /** Stops the task: Piscina terminates the worker running it and rejects the run. */
  abort(reason: unknown = 'interrupted'): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.();
  }
}
