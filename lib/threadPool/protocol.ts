/**
 * The messages between the thread pool and its worker entry. One Piscina
 * task carries one call, or a batch of calls of the same task.
 */
import type { MessagePort } from 'node:worker_threads';
import type { EncodedError } from '../internal/errorCodec';
import type { TaskDescriptor } from '../internal/TaskDescriptor';

export type { TaskDescriptor };

/** Per-worker settings, sent once as Piscina's `workerData`. */
export interface WorkerSettings {
  initializer?: TaskDescriptor;
  initargs: unknown[];
  threadNamePrefix: string;
  maxTasksPerChild: number;
  /**
   * One interrupt word per message slot of the pool, for messages without a
   * batch `control`: the pool sets word `slot` to CallState.Interrupted (and
   * notifies it) to interrupt the call that message carries.
   */
  interrupts?: Int32Array;
  /**
   * Beside each interrupt word, the time (ms) the worker spent on the call
   * of that word's message, when its answer is {@link CompactCall}'s bare value.
   */
  callTimes?: Float64Array;
  /**
   * Set for the queue worker's pool: a task's exception is encoded to fit
   * this many serialised bytes (fitEncodedError.ts) here, in the worker,
   * so an oversized one never crosses to the main thread whole.
   */
  maxErrorBytes?: number;
}

/**
 * A single call in its compact form — what almost every `submit` sends:
 * `[taskId, slot, descriptor, ...args]`. The task is named by a number the
 * pool gave it; its descriptor travels only until the worker has answered
 * a message that carried it (a worker learns it once, not with every call:
 * a descriptor is an object of three strings, and cloning it was most of a
 * round trip's cost in the worker). `slot` is the call's word in
 * {@link WorkerSettings.interrupts}.
 *
 * The worker answers a call that returned a primitive (not a symbol) with
 * the value itself, its time in {@link WorkerSettings.callTimes}; anything
 * else (an object, an exception, leftovers, retiring) with a {@link Response}.
 */
export type CompactCall = [taskId: number, slot: number, descriptor: TaskDescriptor | undefined, ...args: unknown[]];

/** Where a compact call's arguments start. */
export const kCompactArgs = 3;

/** What the pool sends: one call (`args`), a batch (`batch`), or a generator run (`port`). */
export interface Request {
  task: TaskDescriptor;
  args?: unknown[];
  batch?: unknown[][];
  /** A batch of one-argument calls, flattened (cheaper to clone than an array of arrays). */
  single?: unknown[];
  /**
   * For batches, one cell per call (see {@link CallState}): the worker claims
   * a call by moving its cell from Waiting to Started, the pool skips one by
   * moving it from Waiting to Skipped. Compare-and-swap decides who won.
   */
  control?: Int32Array;
  /** For batches: the id the worker's partial flushes carry (ResultFlusher.ts). */
  flushId?: number;
  /** For batches: the worker reads its clock for a flush every this many calls. */
  flushEvery?: number;
  /** For a message without `control`: its word in {@link WorkerSettings.interrupts}. */
  slot?: number;
  /** For `stream`: each yielded value is posted here as a {@link StreamMessage}. */
  port?: MessagePort;
  /**
   * The keep-alive run (see leftoverWork.ts): holds the worker out of its
   * blocking idle wait until the work its finished tasks left behind is done.
   */
  keepAlive?: true;
}

/**
 * States of a call inside a batch, in its control cell. A call that
 * returned a number, `undefined`, `null`, a boolean or a short string leaves its value in
 * shared memory too (the `Returned*` states, see {@link batchNumbers}), so
 * it is not lost if the worker goes down before it answers: a call runs at
 * most once, and its result is delivered whenever it can be.
 */
export const CallState = {
  Waiting: 0,
  Started: 1,
  Skipped: 2,
  /** Finished; its outcome is only in the worker's answer. */
  Done: 3,
  /** Started, then interrupted by the pool (the worker aborts the call's signal). */
  Interrupted: 4,
  /** Returned the number in `batchNumbers(control)[i]`. */
  ReturnedNumber: 5,
  ReturnedUndefined: 6,
  ReturnedNull: 7,
  ReturnedTrue: 8,
  ReturnedFalse: 9,
  /** Returned a string of at most kSharedStringUnits UTF-16 units: `batchNumbers(control)[i]` is `start * 64 + length` of its units in `batchStrings(control)`. */
  ReturnedString: 10,
} as const;

/** A call's returned string is kept in shared memory if it has at most this many UTF-16 units … */
export const kSharedStringUnits = 32;
/**
 * … and while the batch's string area has room: 32 units for each of the
 * first 64 calls, 4 KiB at most. Every message pays for zeroing its area
 * (measured: 32 units for every call of a 512-call batch cost ~60
 * instructions a call, a tenth of a tiny call's worker-side cost).
 */
function stringUnits(calls: number): number {
  return Math.min(calls, 64) * kSharedStringUnits;
}

/**
 * A batch's control cells, with room after them for the numbers its calls
 * return, its flush counter, and the short strings its calls return.
 */
export function newBatchControl(calls: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(stringsOffset(calls) + 2 * stringUnits(calls)), 0, calls);
}

/** The short strings the calls of a batch returned, one after the other (see CallState.ReturnedString). */
export function batchStrings(control: Int32Array): Uint16Array {
  return new Uint16Array(control.buffer, stringsOffset(control.length), stringUnits(control.length));
}

// After the numbers, 8 bytes for the flush counter.
function stringsOffset(calls: number): number {
  return numbersOffset(calls) + 8 * calls + 8;
}

/** At most this long (ms) between partial flushes of a batch that keeps running (ResultFlusher.ts). */
export const kFlushSliceMs = 1;

/** How many partial flushes the worker has posted for a batch (one cell after its numbers). */
export function flushCounter(control: Int32Array): Int32Array {
  return new Int32Array(control.buffer, numbersOffset(control.length) + 8 * control.length, 1);
}

/** The numbers the calls of a batch returned (cell i is valid in state ReturnedNumber). */
export function batchNumbers(control: Int32Array): Float64Array {
  return new Float64Array(control.buffer, numbersOffset(control.length), control.length);
}

// Float64 cells start at the first multiple of 8 after the Int32 cells.
function numbersOffset(calls: number): number {
  return Math.ceil(calls / 2) * 8;
}

/** The outcome of one call. */
export type Outcome = { ok: true; value: unknown; packed?: true } | { ok: false; error: EncodedError };

/**
 * What the worker answers. Outcomes are columns rather than one object per
 * call: a 512-call batch clones 1 array of values instead of 512 objects.
 */
export interface Response {
  /** `values[i]` is call i's value (undefined where it failed or was skipped). */
  values: unknown[];
  /** `errors[i]` is call i's exception, where it failed; absent when none did. */
  errors?: (EncodedError | undefined)[];
  /** Calls skipped because they were interrupted before the worker reached them. */
  skipped?: number[];
  /** Calls whose value the worker serialised itself (too big to check whole): `values[i]` is its bytes (packValue.ts). */
  packed?: number[];
  /** The initializer threw: the pool is broken; `values` is empty. */
  initError?: EncodedError;
  /** Milliseconds the calls took in the worker (the pool learns which tasks are tiny). */
  elapsed?: number;
  /** This worker reached maxTasksPerChild and must not get more work. */
  retire?: number;
  /** This worker's finished calls left work on its event loop: it needs a keep-alive run. */
  leftovers?: number;
  /** Calls before this index were posted in partial flushes ({@link Flush}), not in this answer. */
  flushedUpTo?: number;
}

/**
 * A partial flush, posted on the worker's `parentPort` while a batch runs:
 * the outcomes of calls `first … first + values.length - 1`, in the columns
 * of a {@link Response} (indices relative to `first`).
 */
export interface Flush {
  rxfuturesFlush: number;
  first: number;
  values: unknown[];
  errors?: (EncodedError | undefined)[];
  packed?: number[];
}

/** Messages on a stream's port. */
export type StreamMessage = { value: unknown } | { packed: Uint8Array } | { end: true } | { error: EncodedError };
