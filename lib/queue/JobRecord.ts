/**
 * One job and the futures that follow it: the record QueueDispatcher keeps,
 * and how each of the queue's events (or a re-read of the job's hash by the
 * watchdog) moves those futures on — active → running, progress → a
 * yielded value or the exception sent ahead, completed → results,
 * failed → the task's exception. These functions touch only the record.
 */
import { WorkerExitError } from '../errors';
import type { Future } from '../Future';
import { BrokenQueue, PayloadTooLargeError, TaskNotAllowedError } from './errors';
import type { JobStream } from './JobStream';
import { kStalledReason, packedLength, unpack, type JobData, type JobKind, type Progress } from './protocol';
import { rebuildError } from './readEncodedError';
import type { JobSnapshot } from './readJobs';

// The longest failedReason a future's message takes from Redis.
const kMaxReason = 16_384;

/**
 * One job and the futures that follow it.
 * @example
 * ```ts
 * const record: JobRecord = { id, kind: 'call', futures: [future], data, phase: 'queued', open: 1, settled: false };
 * ```
 * @internal
 */
export interface JobRecord {
  readonly id: string;
  readonly kind: JobKind;
  readonly futures: Future<unknown>[];
  readonly data: JobData;
  /** queued: in the outbox; sending: addBulk in flight; sent: in Redis; active: a worker has it; withdrawn: never sent. */
  phase: 'queued' | 'sending' | 'sent' | 'active' | 'withdrawn';
  /** Resolves when the add has been answered (either way). */
  sent?: Promise<void>;
  /** Futures not done yet. */
  open: number;
  /** An event (or the sweep) decided the outcome, and every future is done. */
  settled: boolean;
  /** The exception the worker sent ahead of the failed event. */
  failure?: Exclude<Progress, { rxf: 'yield' }>;
  stream?: JobStream<unknown>;
}

const noop = (): void => undefined;

/**
 * A worker took the job: its pending futures become running.
 * @example
 * ```ts
 * events.on('active', ({ jobId }) => onActive(records.get(jobId)!));
 * ```
 * @internal
 */
export function onActive(record: JobRecord): void {
  if (record.phase !== 'withdrawn') record.phase = 'active';
  for (const f of record.futures) {
    // The interrupt handler only enables cancel({ interrupt: true }); the dispatcher's #withdraw does the work.
    if (f.state === 'pending' && f.setRunningOrNotifyCancel()) f.setInterruptHandler(noop);
  }
}

/**
 * A progress event (its data as BullMQ wrote it: JSON text): a generator's
 * yield goes to the stream; why the job is about to fail is kept for the
 * failed event that follows. Data that is not this protocol's fails the job
 * with `BrokenQueue` (only this job: the text comes from Redis, where anyone
 * with write access could have written it).
 * @example
 * ```ts
 * onProgress(record, fields.get('data'), options.maxPayloadBytes);
 * ```
 * @internal
 */
export function onProgress(record: JobRecord, data: unknown, limit: number): void {
  settleOrBreak(record, 'a progress event', false, () => {
    const progress = readProgress(data, limit);
    if (progress.rxf !== 'yield') {
      record.failure = progress;
      return;
    }
    record.stream?.push(unpack(progress.v, limit));
  });
}

/**
 * The job completed: its futures get their results (a batch's, one by one).
 * @example
 * ```ts
 * onCompleted(record, fields.get('returnvalue'), options.maxPayloadBytes);
 * ```
 * @param returnvalue - as BullMQ wrote it: JSON text of the string the worker returned
 * @internal
 */
export function onCompleted(record: JobRecord, returnvalue: unknown, limit: number): void {
  settleOrBreak(record, 'the result', true, () => {
    const packed = parseJson(returnvalue, packedLength(limit) + 16);
    if (record.kind === 'batch') {
      const outcomes = readBatchOutcome(unpack(packed, limit), record.futures.length);
      record.futures.forEach((f, i) => {
        if (f.done()) return;
        const [failed, value] = outcomes[i];
        if (failed === 0) f.setResult(value);
        else f.setException(rebuildOrBreak(record, value));
      });
      return;
    }
    const value = record.kind === 'call' ? unpack(packed, limit) : undefined;
    for (const f of record.futures) if (!f.done()) f.setResult(value);
    record.stream?.end(false);
  });
}

/**
 * The job failed: its futures get the task's exception when the worker sent
 * it ahead, else one made from BullMQ's `failedReason`.
 * @example
 * ```ts
 * onFailed(record, fields.get('failedReason'), options.maxPayloadBytes);
 * ```
 * @internal
 */
export function onFailed(record: JobRecord, failedReason: unknown, limit: number): void {
  settleOrBreak(record, 'the failure', true, () => failJob(record, failureOf(record, failedReason, limit)));
}

/**
 * The job is gone without an outcome: its futures fail with `BrokenQueue`.
 * @example
 * ```ts
 * onLost(record, 'was removed from the queue by someone else');
 * ```
 * @param what - completes the message `job <id> …`
 * @internal
 */
export function onLost(record: JobRecord, what: string): void {
  failJob(record, new BrokenQueue(`QueueExecutor: job ${record.id} ${what}`));
  record.settled = true;
}

/**
 * Fails every future of the job not done yet, and ends its stream; a job
 * still in the outbox is withdrawn (never sent).
 * @example
 * ```ts
 * failJob(record, new BrokenQueue('QueueExecutor: could not add the job to Redis: …'));
 * ```
 * @internal
 */
export function failJob(record: JobRecord, error: unknown): void {
  if (record.phase === 'queued') record.phase = 'withdrawn';
  for (const f of record.futures) if (!f.done()) f.setException(error);
  record.stream?.end(true, error);
}

/**
 * What a job's hash says, applied as the events it stands for (the
 * watchdog's sweep, after events may have been missed).
 * @example
 * ```ts
 * const snapshots = await readJobs(client, keyOf, records.map((r) => r.id));
 * snapshots.forEach((s, i) => applySnapshot(records[i], s));
 * ```
 * @internal
 */
export function applySnapshot(record: JobRecord, snapshot: JobSnapshot, limit: number): void {
  if (record.settled || record.open === 0) return;
  if (!snapshot.exists) {
    return onLost(record, 'is gone from Redis (a Redis restart without persistence, eviction under maxmemory, or removed)');
  }
  if (snapshot.progress !== undefined) onProgress(record, snapshot.progress, limit);
  if (record.settled) return;
  if (snapshot.finishedOn !== undefined && snapshot.failedReason !== undefined) return onFailed(record, snapshot.failedReason, limit);
  if (snapshot.finishedOn !== undefined) return onCompleted(record, snapshot.returnvalue ?? 'null', limit);
  if (snapshot.processedOn !== undefined) onActive(record);
}

// Runs what an event does to the record; whatever it throws fails the job's futures
// with BrokenQueue. The record is settled only once every future is done.
function settleOrBreak(record: JobRecord, what: string, final: boolean, apply: () => void): void {
  try {
    apply();
  } catch (error) {
    failJob(
      record,
      new BrokenQueue(`QueueExecutor: ${what} of job ${record.id} read from Redis is not what an rxfutures worker sends: ${(error as Error)?.message}`, {
        cause: error,
      }),
    );
  }
  if (final || record.futures.every((f) => f.done())) {
    if (!record.futures.every((f) => f.done())) failJob(record, new BrokenQueue(`QueueExecutor: job ${record.id} ended without an outcome for every call`));
    record.settled = true;
  }
}

function rebuildOrBreak(record: JobRecord, encoded: unknown): unknown {
  try {
    return rebuildError(encoded);
  } catch (error) {
    return new BrokenQueue(`QueueExecutor: the exception of job ${record.id} read from Redis cannot be rebuilt: ${(error as Error).message}`, { cause: error });
  }
}

// The exception a failed job stands for: the task's own when the worker sent it.
function failureOf(record: JobRecord, failedReason: unknown, limit: number): unknown {
  const failure = record.failure;
  if (failure?.rxf === 'error') return rebuildOrBreak(record, unpack(failure.e, limit));
  if (failure?.rxf === 'tooLarge') return new PayloadTooLargeError(failure.what, failure.bytes, failure.limit);
  if (failure?.rxf === 'refused') return new TaskNotAllowedError(failure.s, failure.x, failure.why);
  const reason = typeof failedReason === 'string' ? failedReason.slice(0, kMaxReason) : undefined;
  if (reason !== undefined && kStalledReason.test(reason)) {
    return new WorkerExitError(
      `job ${record.id}: the worker running it stopped renewing its lock (killed, or its event loop blocked) ` +
        'more often than the workers\' maxStalledCount allows, so BullMQ gave up on it',
    );
  }
  return new Error(reason ?? `job ${record.id} failed`);
}

/** JSON text from Redis, bounded before it is parsed. */
function parseJson(text: unknown, maxLength: number): unknown {
  if (typeof text !== 'string') throw new TypeError('expected JSON text');
  if (text.length > maxLength) throw new TypeError(`${text.length} characters, over the ${maxLength} maxPayloadBytes allows`);
  try {
    return JSON.parse(text);
  } catch {
    throw new TypeError('not JSON');
  }
}

/** Progress data: one of the protocol's kinds, each field checked. */
function readProgress(data: unknown, limit: number): Progress {
  const p = parseJson(data, packedLength(limit) + 1024);
  if (p === null || typeof p !== 'object' || Array.isArray(p)) throw new TypeError('progress data must be an object');
  const field = (key: string): unknown => (Object.hasOwn(p, key) ? (p as Record<string, unknown>)[key] : undefined);
  const str = (key: string): string => {
    const v = field(key);
    if (typeof v !== 'string') throw new TypeError(`progress field ${key} must be a string`);
    return v;
  };
  switch (field('rxf')) {
    case 'yield':
      return { rxf: 'yield', v: str('v') };
    case 'error':
      return { rxf: 'error', e: str('e') };
    case 'tooLarge': {
      const bytes = field('bytes');
      const max = field('limit');
      if (typeof bytes !== 'number' || typeof max !== 'number') throw new TypeError('progress fields bytes and limit must be numbers');
      return { rxf: 'tooLarge', what: str('what').slice(0, 200), bytes, limit: max };
    }
    case 'refused':
      return { rxf: 'refused', s: str('s').slice(0, 200), x: str('x').slice(0, 200), why: str('why').slice(0, 500) };
    default:
      throw new TypeError('progress data of an unknown kind');
  }
}

/** A batch's outcomes: one `[0, value]` or `[1, encoded exception]` per call, in a dense array. */
function readBatchOutcome(value: unknown, calls: number): Array<[0 | 1, unknown]> {
  if (!Array.isArray(value) || value.length !== calls) throw new TypeError(`expected an array of ${calls} outcomes`);
  for (let i = 0; i < calls; i++) {
    const outcome: unknown = Object.hasOwn(value, i) ? value[i] : undefined;
    if (!Array.isArray(outcome) || outcome.length !== 2 || (outcome[0] !== 0 && outcome[0] !== 1)) throw new TypeError(`outcome ${i} is not [0, value] or [1, exception]`);
  }
  return value as Array<[0 | 1, unknown]>;
}
