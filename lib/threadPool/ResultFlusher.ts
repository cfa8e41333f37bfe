/**
 * Worker side of the partial flush: the finished results of a long
 * coalesced message are posted to the pool before the message ends, so a
 * forced stop (a later call ignores its interrupt and the worker is
 * terminated) or a worker's death loses none of them (issue #14: a call
 * runs at most once, and its result is delivered whenever it can be).
 *
 * When a flush goes out:
 * - **Time slice.** Before a call starts, if kFlushSliceMs have passed since
 *   the last flush (or the message's start). The clock is read every
 *   `every` calls only (the pool picks it from the task's measured call
 *   time, ~4 reads per slice): `performance.now()` costs ~30–80 ns, a
 *   visible share of a tiny call, and a message of tiny calls (≤ 2 ms of
 *   work in all) rarely reaches a slice anyway. So tiny-task messages pay
 *   one integer decrement per call and post nothing extra; a message of
 *   mid-size calls (0.1–1 ms each) posts about once a millisecond, one
 *   extra message per ~1 ms of work, and its first results reach the main
 *   thread that much sooner.
 * - **Interrupt.** When a call of the message sees its interrupt (an async
 *   call's watch wakes, or a sync call polls its signal): if it then ignores
 *   it, the worker is terminated — everything finished before it is out by
 *   then.
 * - **Exit.** `process.exit()` in a task, or an uncaught exception, runs the
 *   worker's `exit` listeners; a message posted there still reaches the pool
 *   (Node drains a worker's port before its `exit` event).
 *
 * What cannot be flushed: results finished less than a slice before a
 * synchronous call that never looks at its interrupt and is terminated.
 * Primitives among those survive in shared memory (sharedOutcome.ts); the
 * rest fail with WorkerExitError — never re-run.
 *
 * The channel is the worker's `parentPort`: Piscina emits whatever a worker
 * posts there as the pool's `message` event (FlushInbox.ts reads it). Each
 * flush is counted in the message's shared control block
 * (`flushCounter`), so the pool knows how many to wait for before it
 * settles the message, whichever of Piscina's answer and the flushes it
 * sees first.
 */
import { parentPort } from 'node:worker_threads';
import { flushCounter, kFlushSliceMs, type Flush, type Response } from './protocol';

// The message being run by this worker, if it can flush (one at a time: a worker runs one message).
let current: ResultFlusher | undefined;
let exitHooked = false;

export class ResultFlusher {
  // Calls before this index are posted (or were tried and could not be).
  #from = 0;
  // Calls before this index have finished (recorded in the response).
  #done = 0;
  #countdown: number;
  #last: number;
  // A flush could not be cloned (a value holding a port): the rest go in the final answer.
  #failed = false;

  /**
   * @param id - the message's flush id (Request.flushId)
   * @param every - read the clock every this many calls
   * @param control - the message's control cells (its flush counter lives after them)
   * @param response - the answer being built: flushed columns are taken out of it
   */
  constructor(
    private readonly id: number,
    private readonly every: number,
    private readonly control: Int32Array,
    private readonly response: Response,
    start: number,
  ) {
    this.#countdown = every;
    this.#last = start;
    current = this;
    if (!exitHooked) {
      exitHooked = true;
      process.on('exit', () => current?.flush());
    }
  }

  /**
   * Before call i starts (calls before it have finished: they run one after
   * the other): flush if a slice has passed (the clock is read every `every` calls).
   */
  tick(i: number): void {
    this.#done = i;
    if (--this.#countdown > 0) return;
    this.#countdown = this.every;
    if (performance.now() - this.#last >= kFlushSliceMs) this.flush();
  }

  /** The message has ended: no exit or interrupt flush belongs to it any more. Returns how many calls were flushed. */
  end(): number {
    if (current === this) current = undefined;
    return this.#from;
  }

  /** Bound, for WorkerCall: a call of this message saw its interrupt. */
  readonly onInterrupt = (): void => {
    if (current === this) this.flush();
  };

  /** Posts the finished calls not posted yet. */
  flush(): void {
    const from = this.#from;
    const to = this.#done;
    this.#last = performance.now();
    if (to <= from || this.#failed || parentPort === null) return;
    const { response } = this;
    const message: Flush = { rxfuturesFlush: this.id, first: from, values: response.values.slice(from, to) };
    if (response.errors !== undefined) message.errors = response.errors.slice(from, to);
    if (response.packed !== undefined) {
      const packed = response.packed.filter((i) => i >= from && i < to).map((i) => i - from);
      if (packed.length > 0) message.packed = packed;
    }
    try {
      // No transfer list: a transferred buffer is copied here (and still moved, unused, with the answer).
      parentPort.postMessage(message);
    } catch {
      // Not cloneable without its transfer list (a MessagePort): leave it and the rest to the answer.
      this.#failed = true;
      return;
    }
    Atomics.add(flushCounter(this.control), 0, 1);
    this.#from = to;
    // The answer need not carry them again.
    for (let i = from; i < to; i++) response.values[i] = undefined;
    if (response.errors !== undefined) for (let i = from; i < to; i++) response.errors[i] = undefined;
  }
}
