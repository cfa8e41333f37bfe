/**
 * Reads what Redis holds about jobs, for the watchdog's sweep after events
 * may have been missed (a trimmed event stream, a reconnection).
 */
import type IORedis from 'ioredis';

/** What a job's hash says; `exists: false` when Redis has no such job. */
export interface JobSnapshot {
  id: string;
  exists: boolean;
  processedOn?: string;
  finishedOn?: string;
  /** JSON, as BullMQ stores it. */
  returnvalue?: string;
  failedReason?: string;
  /** JSON, as BullMQ stores it. */
  progress?: string;
}

// `timestamp` is set on every job from its add on: it tells whether the job exists.
const kFields = ['timestamp', 'processedOn', 'finishedOn', 'returnvalue', 'failedReason', 'progress'] as const;
// Jobs per pipeline, so one sweep never builds a giant reply.
const kChunk = 500;

/**
 * @example
 * ```ts
 * const [snapshot] = await readJobs(client, (id) => queue.toKey(id), ['abc-1']);
 * ```
 * @param keyOf - a job id's hash key (`<prefix>:<queue>:<id>`)
 * @returns one snapshot per id, in order
 */
export async function readJobs(client: IORedis, keyOf: (id: string) => string, ids: string[]): Promise<JobSnapshot[]> {
  const out: JobSnapshot[] = [];
  for (let i = 0; i < ids.length; i += kChunk) {
    const chunk = ids.slice(i, i + kChunk);
    const pipeline = client.pipeline();
    for (const id of chunk) pipeline.hmget(keyOf(id), ...kFields);
    const replies = (await pipeline.exec()) ?? [];
    chunk.forEach((id, j) => {
      const [error, values] = replies[j] ?? [new Error('no reply'), null];
      if (error) throw error;
      const row = values as (string | null)[];
      const snapshot: JobSnapshot = { id, exists: row.some((v) => v !== null) };
      kFields.forEach((field, k) => {
        if (row[k] !== null && field !== 'timestamp') snapshot[field] = row[k] as string;
      });
      out.push(snapshot);
    });
  }
  return out;
}
