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

/**
 * Protocol version, so a worker can refuse what it does not understand.
 * 2: exceptions travel v8-serialised (so BigInt, Date, Map… properties
 * survive), and a refused task has its own progress kind.
 */
export const kProtocol = 2;

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
 * or why the job is about to fail (sent just before, so the producer can
 * rebuild the exception whole — BullMQ's `failedReason` keeps only a
 * message): the task's exception (`e`: a packed {@link EncodedError}), a
 * payload over the limit, or a task the worker's allowlist refused.
 */
export type Progress =
  | { rxf: 'yield'; v: string }
  | { rxf: 'error'; e: string }
  | { rxf: 'tooLarge'; what: string; bytes: number; limit: number }
  | { rxf: 'refused'; s: string; x: string; why: string };

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
 * The longest base64 text {@link pack} writes for `limit` bytes.
 * @example
 * ```ts
 * packedLength(3); // 4
 * ```
 */
export function packedLength(limit: number): number {
  return Math.ceil(limit / 3) * 4;
}

/**
 * Reads a value written by {@link pack}. The text comes from Redis, where
 * anyone with write access could have put it: its length is checked against
 * `limit` before anything is decoded, and any failure is a TypeError.
 * @example
 * ```ts
 * unpack(pack(new Map(), 'x', 1e6), 1e6); // Map(0) {}
 * ```
 * @throws TypeError for text that is not a string, too long, or not a serialised value
 */
export function unpack(text: unknown, limit: number): unknown {
  if (typeof text !== 'string') throw new TypeError(`expected a base64 string, got ${typeof text}`);
  if (text.length > packedLength(limit)) throw new TypeError(`${text.length} characters of base64, over maxPayloadBytes (${limit})`);
  try {
    return deserialize(Buffer.from(text, 'base64'));
  } catch (error) {
    throw new TypeError(`not a serialised value: ${(error as Error).message}`, { cause: error });
  }
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
