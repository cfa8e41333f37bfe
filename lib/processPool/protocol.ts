/**
 * The IPC messages between a ProcessPoolExecutor and its children (sent with
 * `serialization: 'advanced'`, so anything structured clone carries crosses).
 * A child runs one job at a time: a call, a chunk of calls, or a generator.
 */
import type { EncodedError } from '../internal/errorCodec';
import type { TaskDescriptor } from '../internal/TaskDescriptor';

/** How one call failed: its own exception, or a result that could not be sent back. */
export type Failure = { error: EncodedError } | { uncloneable: string };

/** Parent → child. The first message a child gets is always `settings`. */
export type ToChild =
  | { type: 'settings'; initializer?: TaskDescriptor; initargs: unknown[] }
  /** Run `task` once per entry of `calls` (a `chunksize` chunk), answer with one `done`. */
  | { type: 'run'; id: number; task: TaskDescriptor; calls: unknown[][] }
  /** Run a generator task: one `yield` per value, then one `end`. */
  | { type: 'stream'; id: number; task: TaskDescriptor; args: unknown[] };

/** Child → parent. */
export type FromChild =
  | { type: 'ready' }
  /** The initializer threw: the pool is broken (Python's semantics). */
  | { type: 'initFailed'; error: EncodedError }
  /** `values[i]` is call i's value, unless `failures[i]` says how it failed. */
  | { type: 'done'; id: number; values: unknown[]; failures?: (Failure | undefined)[] }
  | { type: 'yield'; id: number; value: unknown }
  | { type: 'end'; id: number; failure?: Failure };
