/**
 * The messages between a ProcessPoolExecutor and its children (frames.ts
 * carries them: structured clone, so anything it can clone crosses).
 *
 * Every call has an id, unique in its pool: a `run` message carries the id
 * of its first call, and call `i` of it is `id + i`. A child runs one message
 * at a time, its calls one after the other. The parent trusts nothing a
 * child says: ProcessPool checks the shape of every message.
 *
 * Beside the message socket, each child has an interrupt socket (fd 4) read
 * by a small thread in the child, so an interrupt reaches it while its main
 * thread is busy in synchronous code (interruptChannel.ts).
 */
import type { EncodedError } from '../internal/errorCodec';
import type { TaskDescriptor } from '../internal/TaskDescriptor';

/** How one call failed: its own exception, or a result that could not be sent back. */
export type Failure = { error: EncodedError } | { uncloneable: string };

/** Parent → child. The first message a child gets is always `settings`. */
export type ToChild =
  | { type: 'settings'; initializer?: TaskDescriptor; initargs: unknown[] }
  /** Run `task` once per entry of `calls` (coalesced calls, or a `chunksize` chunk); answer with one `done`. */
  | { type: 'run'; id: number; task: TaskDescriptor; calls: unknown[][] }
  /** Run a generator task: one `yield` per value, then one `end`. */
  | { type: 'stream'; id: number; task: TaskDescriptor; args: unknown[] };

/** Child → parent. */
export type FromChild =
  | { type: 'ready' }
  /** The initializer threw: the pool is broken (Python's semantics). */
  | { type: 'initFailed'; error: EncodedError }
  /**
   * `values[i]` is call i's value, unless `failures[i]` says how it failed;
   * `elapsed` is the time (ms) the calls took, for coalescing.
   */
  | { type: 'done'; id: number; values: unknown[]; failures?: (Failure | undefined)[]; elapsed: number }
  | { type: 'yield'; id: number; value: unknown }
  | { type: 'end'; id: number; failure?: Failure }
  /** An interrupted call has ended (or was skipped): its child need not be killed. */
  | { type: 'ended'; id: number }
  /** A message from the parent could not be read: the calls it carried fail. */
  | { type: 'unreadable'; reason: string };

/** Interrupt socket, parent → child: 8-byte records `[op, call id]` (uint32 LE). */
export const enum InterruptOp {
  /** Abort call `id`'s signal (and skip it if it has not started). */
  Interrupt = 1,
  /** Start no further call, then answer with a Status record: the parent is about to kill the child. */
  Freeze = 2,
}

/**
 * Interrupt socket, child → parent: 8-byte records `[id, running]`: the
 * answer to an Interrupt of call `id` or to a Freeze (id 0), with the id of
 * the call the child's main thread runs (or ran last; 0 if none yet).
 */
export const kStatusBytes = 8;
