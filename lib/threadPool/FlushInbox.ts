/**
 * Pool side of the partial flush (ResultFlusher.ts): the batches in flight
 * by flush id, the results their workers posted early, and the one rule
 * that makes flushing safe — a batch is settled (its answer delivered, or
 * its worker's failure salvaged) only once every flush its worker counted
 * has been read. Flushes and answers travel on different ports, so either
 * may come first; and after a forced stop, what the worker posted before it
 * was terminated is still delivered (Node drains a worker's port before its
 * `exit` event), a little after Piscina's rejection.
 *
 * A flush is a worker's message: untrusted. Its id must name a batch in
 * flight, its range must lie inside that batch, and a call's outcome is
 * taken only if the call's control cell says it finished (so no flush can
 * settle a call that was skipped, or one that is re-queued elsewhere).
 */
import type { Future } from '../Future';
import { deliverCall } from './deliverCall';
import { CallState, flushCounter, type Flush, type Response } from './protocol';

// Flushes a worker counted but the pool has not read within this long (ms) are given up: the calls they
// carried fail as lost (WorkerExitError), never run again. Only a bug could make this wait expire.
const kFlushWaitMs = 5_000;

interface Inbound {
  futures: Future<unknown>[];
  control: Int32Array;
  // Valid flushes read so far.
  received: number;
  // The settle waiting for the missing flushes.
  waiting?: () => void;
  timer?: NodeJS.Timeout;
}

export class FlushInbox {
  readonly #batches = new Map<number, Inbound>();
  #nextId = 1;

  /**
   * @param onDelivered - told of each call a flush settled (the pool counts completed calls)
   */
  constructor(private readonly onDelivered: () => void) {}

  /** Registers a batch about to be sent; returns its flush id. */
  open(futures: Future<unknown>[], control: Int32Array): number {
    const id = this.#nextId++;
    this.#batches.set(id, { futures, control, received: 0 });
    return id;
  }

  /**
   * Runs `settle` once every flush the worker of batch `id` posted has been
   * read (at once when none is missing), then forgets the batch.
   */
  whenFlushed(id: number | undefined, settle: () => void): void {
    const inbound = id === undefined ? undefined : this.#batches.get(id);
    if (inbound === undefined) {
      settle();
      return;
    }
    if (Atomics.load(flushCounter(inbound.control), 0) <= inbound.received) {
      this.#batches.delete(id!);
      settle();
      return;
    }
    inbound.waiting = () => {
      clearTimeout(inbound.timer);
      this.#batches.delete(id!);
      settle();
    };
    // Ref'd, and it must be: the flushes come on the worker's own port, which Piscina unrefs as soon as
    // the worker has no task left, so nothing else keeps the process alive until they are read. Unref'd,
    // a program awaiting these futures exited (code 0) with them pending. Cleared as the last one arrives.
    inbound.timer = setTimeout(inbound.waiting, kFlushWaitMs);
  }

  /** Drops batch `id` (answered with no flush before its answer). */
  forget(id: number): void {
    this.#batches.delete(id);
  }

  /** Piscina's `message` event: anything a worker posted on its parentPort. Not a flush of ours: ignored. */
  receive(message: unknown): void {
    if (message === null || typeof message !== 'object' || !Object.hasOwn(message, 'rxfuturesFlush')) return;
    const { rxfuturesFlush: id, first, values } = message as Flush;
    const inbound = typeof id === 'number' ? this.#batches.get(id) : undefined;
    if (inbound === undefined || !Number.isInteger(first) || first < 0 || !Array.isArray(values) || first + values.length > inbound.futures.length) return;
    const columns = message as Response;
    for (let j = 0; j < values.length; j++) {
      const i = first + j;
      const f = inbound.futures[i];
      if (f.done() || !finished(Atomics.load(inbound.control, i))) continue;
      deliverCall(f, columns, j);
      this.onDelivered();
    }
    inbound.received += 1;
    if (inbound.waiting !== undefined && Atomics.load(flushCounter(inbound.control), 0) <= inbound.received) inbound.waiting();
  }
}

/** The call's cell says it finished (Done, or a Returned* state). */
function finished(state: number): boolean {
  return state === CallState.Done || state >= CallState.ReturnedNumber;
}
