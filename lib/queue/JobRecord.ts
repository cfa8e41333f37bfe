/**
 * One job and the futures that follow it: the record QueueDispatcher keeps,
 * and how each of the queue's events (or a re-read of the job's hash by the
 * watchdog) moves those futures on — active → running, progress → a
 * yielded value or the exception sent ahead, completed → results,
 * failed → the task's exception. These functions touch only the record.
 */
import { WorkerExitError } from '../errors';
import type { Future } from '../Future';
import { decodeError } from '../internal/errorCodec';
import { BrokenQueue, PayloadTooLargeError } from './errors';
import type { JobStream } from './JobStream';
import { isProgress, kStalledReason, unpack, type BatchOutcome, type JobData, type JobKind, type Progress } from './protocol';
import type { JobSnapshot } from './readJobs';

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
  /** An event (or the sweep) decided the outcome. */
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
 * A progress event: a generator's yield goes to the stream; the task's
 * exception is kept for the failed event that follows.
 * @example
 * ```ts
 * events.on('progress', ({ jobId, data }) => onProgress(records.get(jobId)!, data));
 * ```
 * @internal
 */
export function onProgress(record: JobRecord, data: unknown): void {
  if (!isProgress(data)) return;
  if (data.rxf !== 'yield') {
    record.failure = data;
    return;
  }
  try {
    record.stream?.push(unpack(data.v));
  } catch (error) {
    failJob(record, new BrokenQueue(`QueueExecutor: a value yielded by job ${record.id} cannot be read: ${(error as Error).message}`, { cause: error }));
  }
}

/**
 * The job completed: its futures get their results (a batch's, one by one).
 * @example
 * ```ts
 * events.on('completed', ({ jobId, returnvalue }) => onCompleted(records.get(jobId)!, returnvalue));
 * ```
 * @internal
 */
export function onCompleted(record: JobRecord, returnvalue: unknown): void {
  record.settled = true;
  try {
    if (record.kind === 'batch') {
      const outcomes = unpack(returnvalue as string) as BatchOutcome;
      record.futures.forEach((f, i) => {
        if (f.done()) return;
        const outcome = outcomes[i];
        if (outcome[0] === 0) f.setResult(outcome[1]);
        else f.setException(decodeError(outcome[1]));
      });
      return;
    }
    const value = record.kind === 'call' ? unpack(returnvalue as string) : undefined;
    for (const f of record.futures) if (!f.done()) f.setResult(value);
    record.stream?.end(false);
  } catch (error) {
    failJob(record, new BrokenQueue(`QueueExecutor: the result of job ${record.id} cannot be read: ${(error as Error).message}`, { cause: error }));
  }
}

/**
 * The job failed: its futures get the task's exception when the worker sent
 * it ahead, else one made from BullMQ's `failedReason`.
 * @example
 * ```ts
 * events.on('failed', ({ jobId, failedReason }) => onFailed(records.get(jobId)!, failedReason));
 * ```
 * @internal
 */
export function onFailed(record: JobRecord, failedReason: string | undefined): void {
  record.settled = true;
  failJob(record, failureOf(record, failedReason));
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
  record.settled = true;
  failJob(record, new BrokenQueue(`QueueExecutor: job ${record.id} ${what}`));
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
export function applySnapshot(record: JobRecord, snapshot: JobSnapshot): void {
  if (record.settled || record.open === 0) return;
  if (!snapshot.exists) {
    return onLost(record, 'is gone from Redis (a Redis restart without persistence, eviction under maxmemory, or removed)');
  }
  if (snapshot.progress !== undefined) onProgress(record, parseJson(snapshot.progress));
  if (snapshot.finishedOn !== undefined && snapshot.failedReason !== undefined) return onFailed(record, snapshot.failedReason);
  if (snapshot.finishedOn !== undefined) return onCompleted(record, parseJson(snapshot.returnvalue ?? 'null'));
  if (snapshot.processedOn !== undefined) onActive(record);
}

// The exception a failed job stands for: the task's own when the worker sent it.
function failureOf(record: JobRecord, failedReason: string | undefined): unknown {
  const failure = record.failure;
  if (failure?.rxf === 'error') return decodeError(failure.e);
  if (failure?.rxf === 'tooLarge') return new PayloadTooLargeError(failure.what, failure.bytes, failure.limit);
  if (failedReason !== undefined && kStalledReason.test(failedReason)) {
    return new WorkerExitError(
      `job ${record.id}: the worker running it stopped renewing its lock (killed, or its event loop blocked) ` +
        'more often than the workers\' maxStalledCount allows, so BullMQ gave up on it',
    );
  }
  return new Error(failedReason ?? `job ${record.id} failed`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
