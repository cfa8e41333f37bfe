/**
 * The pool side of the interrupt words of messages without a batch control
 * (single calls and streams): one `Int32Array` shared with every worker
 * (sent once, in workerData), one word per message in flight. A message
 * takes a free word when it is sent and gives it back when it is answered.
 */
import { CallState } from './protocol';

export class InterruptWords {
  /** Shared with the workers. */
  readonly words: Int32Array;
  /** Shared with the workers: the call time a worker reports beside word i (protocol.ts, CompactCall). */
  readonly times: Float64Array;
  // Words not in use.
  readonly #free: number[];

  /** @param size - messages in flight at most (the pool's maxWorkers) */
  constructor(size: number) {
    this.words = new Int32Array(new SharedArrayBuffer(4 * size));
    this.times = new Float64Array(new SharedArrayBuffer(8 * size));
    this.#free = Array.from({ length: size }, (_, i) => size - 1 - i);
  }

  /** A cleared word for a message being sent; undefined if none is free (the call then cannot be interrupted cooperatively). */
  acquire(): number | undefined {
    const slot = this.#free.pop();
    if (slot !== undefined) Atomics.store(this.words, slot, CallState.Waiting);
    return slot;
  }

  release(slot: number): void {
    this.#free.push(slot);
  }

  /** Sets the word and wakes a worker watching it (an async call awaiting). */
  interrupt(slot: number): void {
    Atomics.store(this.words, slot, CallState.Interrupted);
    Atomics.notify(this.words, slot);
  }
}
