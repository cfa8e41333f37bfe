/**
 * What travels through Redis between a QueueExecutor and its workers.
 *
 * BullMQ stores job data and results as JSON, which would turn a `Map` into
 * `{}` and drop `undefined`, `BigInt` and typed arrays. Values are therefore
 * written with `v8.serialize` (the structured clone that worker threads
 * use, so a task sees the same values on every executor) and carried as
 * base64 strings inside the JSON. Producers and workers should run the same
 * Node.js major version: V8 reads older formats, not newer ones.
 */
import { deserialize, serialize } from 'node:v8';
import { DataCloneError } from '../errors';
import { findUncloneable } from '../internal/cloneCheck';
import type { EncodedError } from '../internal/errorCodec';
import { PayloadTooLargeError } from './errors';

/** Protocol version, so a future worker can refuse what it does not understand. */
export const kProtocol = 1;

/**
 * Job kinds: one call, a chunk of calls of one task (`chunksize`), or a
 * generator task whose yields come back as progress events.
 */
export type JobKind = 'call' | 'batch' | 'stream';

/** A job's data (BullMQ stores it as JSON). */
export interface JobData {
  /** Protocol version. */
  p: number;
  kind: JobKind;
  /** Task module specifier. */
  s: string;
  /** Export name. */
  x: string;
  /** Serialised arguments: an args array (call, stream) or an array of them (batch). */
  a: string;
}

/** A batch job's result, one entry per call: `[0, value]` or `[1, encoded exception]`. */
export type BatchOutcome = Array<[0, unknown] | [1, EncodedError]>;

/**
 * Progress events the worker sends while a job runs: a generator's yield,
 * or the task's exception (sent just before the job fails, so the producer
 * can rebuild it whole — BullMQ's `failedReason` keeps only a message).
 */
export type Progress = { rxf: 'yield'; v: string } | { rxf: 'error'; e: EncodedError } | { rxf: 'tooLarge'; what: string; bytes: number; limit: number };

/**
 * The name a job gets in BullMQ (shown by dashboards).
 * @example
 * ```ts
 * jobName('my-tasks', 'resize'); // 'resize@my-tasks'
 * ```
 */
export function jobName(specifier: string, exportName: string): string {
  return `${exportName}@${specifier}`;
}

/**
 * Serialises a value for Redis.
 * @example
 * ```ts
 * const text = pack([1, 2n], "the task's arguments", 64 * 2 ** 20, 'args');
 * ```
 * @throws DataCloneError if it cannot be serialised; PayloadTooLargeError over `limit`
 */
export function pack(value: unknown, what: string, limit: number, path = 'value'): string {
  let bytes: Buffer;
  try {
    bytes = serialize(value);
  } catch (error) {
    // Name the culprit as the thread pool does (`args[0].handler is a function`).
    const culprit = findUncloneable(value, path) ?? (error as Error).message;
    throw new DataCloneError(`${what} cannot be sent through the queue: ${culprit}`, { cause: error });
  }
  if (bytes.length > limit) throw new PayloadTooLargeError(what, bytes.length, limit);
  return bytes.toString('base64');
}

/**
 * Reads a value written by {@link pack}.
 * @example
 * ```ts
 * unpack(pack(new Map(), 'x', 1e6)); // Map(0) {}
 * ```
 */
export function unpack(text: string): unknown {
  return deserialize(Buffer.from(text, 'base64'));
}

/**
 * True for progress data this protocol sent (other producers' progress is ignored).
 * @example
 * ```ts
 * isProgress({ rxf: 'yield', v: '' }); // true
 * ```
 */
export function isProgress(data: unknown): data is Progress {
  return typeof data === 'object' && data !== null && typeof (data as { rxf?: unknown }).rxf === 'string';
}

/**
 * The pub/sub channel on which producers ask workers to stop a running job (message: the job id).
 * @example
 * ```ts
 * interruptChannel('bull', 'images'); // 'bull:images:rxfutures:interrupt'
 * ```
 */
export function interruptChannel(prefix: string, queueName: string): string {
  return `${prefix}:${queueName}:rxfutures:interrupt`;
}

/** BullMQ's `failedReason` for a job whose worker stopped renewing its lock more than `maxStalledCount` times. */
export const kStalledReason = /stalled more than allowable limit/i;
