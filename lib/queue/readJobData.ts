/**
 * Worker side: a job's data, read as what it is — a value from Redis that
 * anyone with write access could have written. Every field is read as an
 * own property and checked before use; arguments are bounded in bytes
 * before they are decoded, and in length and density after, so a few bytes
 * cannot stand for fifty million calls.
 */
import type { TaskAllowlist } from './TaskAllowlist';
import { kProtocol, unpack, type JobKind } from './protocol';

/** A job's data, checked: the file to load (allowed), the export, the argument lists. */
export interface CheckedJob {
  kind: JobKind;
  file: string;
  exportName: string;
  /** One call's arguments (call, stream), or one per call (batch). */
  args: unknown[];
}

/** Most calls in one batch job, and most arguments in one call. */
export const kMaxBatch = 100_000;
export const kMaxArgs = 10_000;

const kKinds: ReadonlySet<string> = new Set<JobKind>(['call', 'batch', 'stream']);

/**
 * @example
 * ```ts
 * const { kind, file, exportName, args } = readJobData(job.data, allowlist, maxPayloadBytes);
 * ```
 * @throws TypeError for data that is not an rxfutures job of this protocol, or arguments out of bounds;
 *   TaskNotAllowedError for a task not on the allowlist (checked before the arguments are decoded)
 */
export function readJobData(data: unknown, allowlist: TaskAllowlist, limit: number): CheckedJob {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new TypeError('the job data is not an object');
  const p = own(data, 'p');
  if (p !== kProtocol) {
    throw new TypeError(`not an rxfutures job of protocol ${kProtocol} (protocol ${typeof p === 'number' ? p : 'missing'}; producers and workers must run the same rxfutures version)`);
  }
  const kind = own(data, 'kind');
  if (typeof kind !== 'string' || !kKinds.has(kind)) throw new TypeError('the job kind is not call, batch or stream');
  const file = allowlist.assert(own(data, 's'), own(data, 'x'));
  const args = unpack(own(data, 'a'), limit);
  checkList(args, kind === 'batch' ? kMaxBatch : kMaxArgs, kind === 'batch' ? 'the chunk' : 'the arguments');
  if (kind === 'batch') {
    for (let i = 0; i < args.length; i++) checkList(args[i], kMaxArgs, `the arguments of call ${i} of the chunk`);
  }
  return { kind: kind as JobKind, file, exportName: own(data, 'x') as string, args };
}

function own(object: object, key: string): unknown {
  return Object.hasOwn(object, key) ? (object as Record<string, unknown>)[key] : undefined;
}

/** A dense array of at most `max` elements: its length is checked before a single element is visited. */
function checkList(value: unknown, max: number, what: string): asserts value is unknown[] {
  if (!Array.isArray(value)) throw new TypeError(`${what} must be an array`);
  if (value.length > max) throw new TypeError(`${what}: ${value.length} elements, over the limit of ${max}`);
  for (let i = 0; i < value.length; i++) {
    if (!Object.hasOwn(value, i)) throw new TypeError(`${what} must be a dense array (no holes), missing element ${i}`);
  }
}
