/**
 * QueueDispatcher's watchdog: it catches what the event reader cannot, so
 * that no future waits forever. Every `watchdog.interval` ms it asks Redis
 * how far the event stream has been trimmed:
 * - trimmed past what had been read at the previous tick, or a reconnection
 *   since (Redis may have restarted): events may be lost, so it re-reads the
 *   jobs' hashes (a sweep) and applies what they say;
 * - no answer for `watchdog.disconnected` ms: the unfinished futures of
 *   every job sent fail with `BrokenQueue`.
 */
import type { Queue } from 'bullmq';
import type IORedis from 'ioredis';
import { describeConnection } from './connectRedis';
import { BrokenQueue } from './errors';
import { applySnapshot, failJob, type JobRecord } from './JobRecord';
import type { FilledExecutorOptions } from './options';
import { readJobs } from './readJobs';
import { withTimeout } from './withTimeout';

/**
 * Watches one executor's jobs (see the module comment).
 * @example
 * ```ts
 * const watchdog = new QueueWatchdog(options, records);
 * events.on('completed', (_, eventId) => watchdog.read(eventId));
 * client.on('ready', () => watchdog.missedEvents());
 * watchdog.start({ client, queue });
 * ```
 * @internal
 */
export class QueueWatchdog {
  readonly #options: FilledExecutorOptions;
  // The dispatcher's jobs with a future not yet done, by job id (its map, read live).
  readonly #records: ReadonlyMap<string, JobRecord>;
  // The connection and queue to ask, once started.
  #parts: { client: IORedis; queue: Queue } | undefined;
  #timer: NodeJS.Timeout | undefined;
  // The id of the last event read; each tick compares it with the stream's oldest.
  #lastEventId = '0-0';
  // #lastEventId when the watchdog last looked.
  #readAtLastTick = '0-0';
  // Events may have been missed: re-read the jobs on the next tick.
  #needSweep = false;
  // Since when Redis has not answered the watchdog.
  #unreachableSince: number | undefined;
  #sweeping = false;
  #stopped = false;

  constructor(options: FilledExecutorOptions, records: ReadonlyMap<string, JobRecord>) {
    this.#options = options;
    this.#records = records;
  }

  /** The event reader has read up to `eventId` (or starts reading after it). */
  read(eventId: string): void {
    this.#lastEventId = eventId;
  }

  /** Events may have been missed (a reconnection): sweep at the next tick. */
  missedEvents(): void {
    this.#needSweep = true;
  }

  /**
   * Starts ticking, every `watchdog.interval` ms; the timer never holds the
   * process open. Nothing once stopped: close() may stop the watchdog while
   * the dispatcher is still connecting, before it started it.
   */
  start(parts: { client: IORedis; queue: Queue }): void {
    if (this.#stopped) return;
    this.#parts = parts;
    this.#timer = setInterval(() => void this.#tick(), this.#options.watchdog.interval);
    this.#timer.unref();
  }

  /** Stops ticking, for good. */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }

  // Is Redis there, and have we missed events?
  async #tick(): Promise<void> {
    const parts = this.#parts;
    if (parts === undefined || this.#sweeping) return;
    const { interval, disconnected } = this.#options.watchdog;
    const eventsKey = parts.queue.toKey('events');
    // Where the reader was at the previous tick: anything trimmed after it may never have been read.
    const readAtLastTick = this.#readAtLastTick;
    this.#readAtLastTick = this.#lastEventId;
    let trimmedUpTo: string | undefined;
    try {
      trimmedUpTo = await withTimeout(lastTrimmedId(parts.client, eventsKey), interval);
      this.#unreachableSince = undefined;
    } catch {
      this.#unreachableSince ??= Date.now() - interval;
      const since = Date.now() - this.#unreachableSince;
      if (since >= disconnected) {
        const error = new BrokenQueue(
          `QueueExecutor: Redis at ${describeConnection(this.#options.connection)} has not answered for ${since} ms (watchdog.disconnected is ${disconnected})`,
        );
        for (const record of [...this.#records.values()]) if (record.phase !== 'queued') failJob(record, error);
      }
      return;
    }
    if (trimmedUpTo !== undefined && compareIds(trimmedUpTo, readAtLastTick) > 0) this.#needSweep = true;
    if (this.#needSweep && this.#records.size > 0) await this.#sweep(parts);
  }

  // Re-reads the jobs of unsettled records from their hashes.
  async #sweep(parts: { client: IORedis; queue: Queue }): Promise<void> {
    this.#sweeping = true;
    this.#needSweep = false;
    try {
      const records = [...this.#records.values()].filter((r) => !r.settled && (r.phase === 'sent' || r.phase === 'active'));
      const snapshots = await readJobs(parts.client, (id) => parts.queue.toKey(id), records.map((r) => r.id));
      snapshots.forEach((s, i) => applySnapshot(records[i], s, this.#options.maxPayloadBytes));
    } catch {
      this.#needSweep = true;
    } finally {
      this.#sweeping = false;
    }
  }
}

/**
 * The newest id trimmed from the stream: just below its first entry kept
 * (XINFO's max-deleted-entry-id counts XDEL only, not MAXLEN trimming).
 */
async function lastTrimmedId(client: IORedis, key: string): Promise<string | undefined> {
  const info = (await client.xinfo('STREAM', key).catch((error: Error) => {
    // No stream yet: nothing trimmed. Any other failure is Redis not answering.
    if (/no such key/i.test(error.message)) return undefined;
    throw error;
  })) as unknown[] | undefined;
  const first = info?.[info.indexOf('first-entry') + 1] as [string, unknown] | null | undefined;
  if (!Array.isArray(first)) return undefined;
  const [ms, seq] = first[0].split('-').map(Number);
  return seq > 0 ? `${ms}-${seq - 1}` : `${ms - 1}-${Number.MAX_SAFE_INTEGER}`;
}

/** Orders Redis stream ids (`<ms>-<seq>`). */
function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am !== bm ? am - bm : as - bs;
}
