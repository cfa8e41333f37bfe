/**
 * The engine behind `QueueExecutor`: turns Futures into BullMQ jobs and the
 * queue's events back into Future states.
 *
 * - Jobs submitted in one tick go to Redis in one `addBulk` round trip.
 * - One `QueueEvents` reader per executor (not one per job) follows every
 *   job: active → running, completed → result, failed → the task's exception.
 *   It starts reading from a stream id taken from Redis's clock before the
 *   first job is added, so no event of ours can slip past it.
 * - Cancelling removes a waiting job, or publishes an interrupt that the
 *   worker holding the job obeys.
 * - A watchdog catches what events cannot: a trimmed event stream or a
 *   reconnection (it then re-reads the jobs' hashes), and Redis gone for too
 *   long (unfinished futures fail with `BrokenQueue`), so nothing waits forever.
 */
import { randomBytes } from 'node:crypto';
import type { Queue, QueueEvents } from 'bullmq';
import type IORedis from 'ioredis';
import { WorkerExitError } from '../errors';
import type { Future } from '../Future';
import { decodeError } from '../internal/errorCodec';
import { bullConnection } from './bullConnection';
import { closeClient, connectRedis, describeConnection } from './connectRedis';
import { BrokenQueue, PayloadTooLargeError } from './errors';
import type { JobStream } from './JobStream';
import { loadBullmq } from './load';
import type { FilledExecutorOptions } from './options';
import { interruptChannel, isProgress, jobName, kProtocol, kStalledReason, unpack, type BatchOutcome, type JobData, type JobKind, type Progress } from './protocol';
import { readJobs, type JobSnapshot } from './readJobs';

/** One job and the futures that follow it. */
interface JobRecord {
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

interface Connected {
  client: IORedis;
  queue: Queue;
  events: QueueEvents;
  /** QueueEvents' own connection (BullMQ's escape hatch), so that close() can always end it. */
  eventsClient: Promise<{ disconnect(): void }>;
}

// addBulk calls carry at most this many jobs.
const kMaxBulk = 1000;
const noop = (): void => undefined;

/**
 * The engine behind QueueExecutor (see the module comment).
 * @example
 * ```ts
 * const dispatcher = new QueueDispatcher(fillExecutorOptions(options));
 * dispatcher.enqueue('call', specifier, exportName, pack(args, 'args', limit), [future]);
 * ```
 * @internal
 */
export class QueueDispatcher {
  readonly #options: FilledExecutorOptions;
  // Every job with a future not yet done, by job id.
  readonly #records = new Map<string, JobRecord>();
  // Jobs waiting for the next addBulk.
  #outbox: JobRecord[] = [];
  #flushScheduled = false;
  // Redis connection, queue and event reader, once started.
  readonly #connected: Promise<Connected>;
  #parts: Connected | undefined;
  // Why the executor cannot work (Redis unreachable at start).
  #broken: BrokenQueue | undefined;
  // Removals and interrupts in flight; close() waits for them.
  readonly #ops = new Set<Promise<unknown>>();
  // Job ids are <random>-<n>: unique across producers, known before the add.
  readonly #idPrefix = randomBytes(6).toString('hex');
  #seq = 0;
  // The id of the last event read; the watchdog compares it with the stream's oldest.
  #lastEventId = '0-0';
  // Events may have been missed: re-read the jobs on the next watchdog tick.
  #needSweep = false;
  // Since when Redis has not answered the watchdog.
  #unreachableSince: number | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  #sweeping = false;
  // #lastEventId when the watchdog last looked.
  #readAtLastTick = '0-0';
  // close() waits for the records to empty.
  #onIdle: (() => void) | undefined;

  constructor(options: FilledExecutorOptions) {
    this.#options = options;
    this.#connected = this.#start();
    this.#connected.then(
      (parts) => {
        this.#parts = parts;
      },
      (error: BrokenQueue) => {
        this.#broken = error;
        for (const record of this.#records.values()) this.#fail(record, error);
      },
    );
  }

  /** Set once Redis could not be reached at start; `submit` throws it. */
  get broken(): BrokenQueue | undefined {
    return this.#broken;
  }

  /** Resolves once connected and listening; rejects with `BrokenQueue`. */
  ready(): Promise<void> {
    return this.#connected.then(noop);
  }

  /** Jobs whose futures are not all done. */
  get size(): number {
    return this.#records.size;
  }

  /** A fresh job id. */
  nextId(): string {
    this.#seq += 1;
    return `${this.#idPrefix}-${this.#seq}`;
  }

  /**
   * Queues a job for the next addBulk and follows it.
   * @param futures - one per call (batch), or the one future of a call or a stream
   */
  enqueue(kind: JobKind, specifier: string, exportName: string, args: string, futures: Future<unknown>[], stream?: JobStream<unknown>): void {
    const id = this.nextId();
    const record: JobRecord = {
      id,
      kind,
      futures,
      data: { p: kProtocol, kind, s: specifier, x: exportName, a: args },
      phase: 'queued',
      open: futures.length,
      settled: false,
      stream,
    };
    this.#records.set(id, record);
    for (const f of futures) f.addDoneCallback(() => this.#onFutureDone(record));
    if (this.#broken !== undefined) return this.#fail(record, this.#broken);
    this.#outbox.push(record);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => void this.#flush());
    }
  }

  /** Cancels every future not yet running (shutdown's `cancelFutures`). */
  cancelPending(): void {
    for (const record of [...this.#records.values()]) {
      for (const f of record.futures) if (f.state === 'pending') f.cancel();
    }
  }

  /** Resolves when every future is done and every removal or interrupt was sent. */
  async whenIdle(): Promise<void> {
    while (this.#records.size > 0 || this.#ops.size > 0) {
      if (this.#records.size > 0) await new Promise<void>((resolve) => (this.#onIdle = resolve));
      await Promise.allSettled([...this.#ops]);
    }
  }

  /** Closes the event reader, the queue and the connection. */
  async close(): Promise<void> {
    clearInterval(this.#watchdog);
    const parts = await this.#connected.catch(() => undefined);
    if (parts === undefined) return;
    // BullMQ's close() waits for Redis, which may be gone: give it a second, then cut our connections.
    // (BullMQ's disconnect waits for an 'end' that a client stuck reconnecting never emits.)
    await withTimeout(Promise.allSettled([parts.events.close(), parts.queue.close()]), 1000).catch(noop);
    (await withTimeout(parts.eventsClient, 100).catch(() => undefined))?.disconnect();
    void parts.events.getBackend().close(true).catch(noop);
    await closeClient(parts.client);
  }

  async #start(): Promise<Connected> {
    const o = this.#options;
    const client = await connectRedis(o.connection, o.connectTimeout, 'QueueExecutor');
    try {
      // Read events from a moment before any job of ours exists (Redis's own clock, 1 s of margin).
      const [seconds, micros] = await client.time();
      this.#lastEventId = `${Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - 1000}-0`;
      const { Queue, QueueEvents } = loadBullmq();
      const queue = new Queue(o.queueName, { connection: client, prefix: o.prefix, streams: { events: { maxLen: o.eventsMaxLen } } });
      queue.on('error', noop);
      const events = new QueueEvents(o.queueName, {
        connection: bullConnection(o.connection, o.connectTimeout),
        prefix: o.prefix,
        lastEventId: this.#lastEventId,
        // BullMQ keeps a timer of this + 1 s per XREAD that close() does not clear: keep it short.
        blockingTimeout: 2000,
      });
      events.on('error', noop);
      const eventsClient = events.getBackend().client as Promise<{ disconnect(): void }>;
      eventsClient.catch(noop);
      events.on('active', ({ jobId }, id) => this.#event(id, jobId, (r) => this.#onActive(r)));
      events.on('progress', ({ jobId, data }, id) => this.#event(id, jobId, (r) => this.#onProgress(r, data)));
      events.on('completed', ({ jobId, returnvalue }, id) => this.#event(id, jobId, (r) => this.#onCompleted(r, returnvalue)));
      events.on('failed', ({ jobId, failedReason }, id) => this.#event(id, jobId, (r) => this.#onFailed(r, failedReason)));
      events.on('removed', ({ jobId }, id) => this.#event(id, jobId, (r) => this.#onLost(r, 'was removed from the queue by someone else')));
      // Any later 'ready' is a reconnection: events may be gone with a restarted Redis.
      client.on('ready', () => {
        this.#needSweep = true;
      });
      // Listening before ready() resolves: a job added after it cannot be missed.
      await events.waitUntilReady();
      this.#watchdog = setInterval(() => void this.#tick(), o.watchdog.interval);
      this.#watchdog.unref();
      return { client, queue, events, eventsClient };
    } catch (error) {
      client.disconnect();
      throw new BrokenQueue(`QueueExecutor: Redis at ${describeConnection(o.connection)} answered, but the queue could not start: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  async #flush(): Promise<void> {
    this.#flushScheduled = false;
    const batch = this.#outbox.filter((r) => r.phase === 'queued');
    this.#outbox = [];
    for (let i = 0; i < batch.length; i += kMaxBulk) void this.#send(batch.slice(i, i + kMaxBulk));
  }

  async #send(batch: JobRecord[]): Promise<void> {
    const { keepFinished } = this.#options;
    const keep = { age: keepFinished.age, count: keepFinished.count };
    const adding = this.#connected.then(({ queue }) =>
      queue.addBulk(
        batch.map((r) => ({
          name: jobName(r.data.s, r.data.x),
          data: r.data,
          opts: { jobId: r.id, attempts: 1, removeOnComplete: keep, removeOnFail: keep },
        })),
      ),
    );
    const answered = adding.then(noop, noop);
    for (const r of batch) {
      r.phase = 'sending';
      r.sent = answered;
    }
    try {
      await adding;
      for (const r of batch) if (r.phase === 'sending') r.phase = 'sent';
    } catch (error) {
      const failure = error instanceof BrokenQueue ? error : new BrokenQueue(`QueueExecutor: could not add the job to Redis: ${(error as Error).message}`, { cause: error });
      for (const r of batch) this.#fail(r, failure);
    }
  }

  // Every event goes through here: it advances the read position, and finds the record.
  #event(eventId: string, jobId: string, handle: (record: JobRecord) => void): void {
    this.#lastEventId = eventId;
    const record = this.#records.get(jobId);
    if (record !== undefined) handle(record);
  }

  #onActive(record: JobRecord): void {
    if (record.phase !== 'withdrawn') record.phase = 'active';
    for (const f of record.futures) {
      // The interrupt handler only enables cancel({ interrupt: true }); #withdraw does the work.
      if (f.state === 'pending' && f.setRunningOrNotifyCancel()) f.setInterruptHandler(noop);
    }
  }

  #onProgress(record: JobRecord, data: unknown): void {
    if (!isProgress(data)) return;
    if (data.rxf !== 'yield') {
      record.failure = data;
      return;
    }
    try {
      record.stream?.push(unpack(data.v));
    } catch (error) {
      this.#fail(record, new BrokenQueue(`QueueExecutor: a value yielded by job ${record.id} cannot be read: ${(error as Error).message}`, { cause: error }));
    }
  }

  #onCompleted(record: JobRecord, returnvalue: unknown): void {
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
      this.#fail(record, new BrokenQueue(`QueueExecutor: the result of job ${record.id} cannot be read: ${(error as Error).message}`, { cause: error }));
    }
  }

  #onFailed(record: JobRecord, failedReason: string | undefined): void {
    record.settled = true;
    this.#fail(record, this.#failureOf(record, failedReason));
  }

  #onLost(record: JobRecord, what: string): void {
    record.settled = true;
    this.#fail(record, new BrokenQueue(`QueueExecutor: job ${record.id} ${what}`));
  }

  // The exception a failed job stands for: the task's own when the worker sent it.
  #failureOf(record: JobRecord, failedReason: string | undefined): unknown {
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

  #fail(record: JobRecord, error: unknown): void {
    if (record.phase === 'queued') record.phase = 'withdrawn';
    for (const f of record.futures) if (!f.done()) f.setException(error);
    record.stream?.end(true, error);
  }

  #onFutureDone(record: JobRecord): void {
    record.open -= 1;
    if (record.open > 0) return;
    this.#records.delete(record.id);
    if (!record.settled && record.futures.some((f) => f.cancelled())) this.#withdraw(record);
    if (this.#records.size === 0) this.#onIdle?.();
  }

  // Every future of the job was cancelled: take the job back, or stop it.
  #withdraw(record: JobRecord): void {
    switch (record.phase) {
      case 'queued':
        record.phase = 'withdrawn';
        return;
      case 'sending':
      case 'sent':
        this.#track((record.sent ?? Promise.resolve()).then(() => this.#removeOrInterrupt(record.id)));
        return;
      case 'active':
        this.#track(this.#interrupt(record.id));
        return;
    }
  }

  async #removeOrInterrupt(id: string): Promise<void> {
    const { queue } = await this.#connected;
    // 0 means the job is locked by a worker (or already gone): stop it there.
    const removed = await queue.remove(id);
    if (removed === 0) await this.#interrupt(id);
  }

  async #interrupt(id: string): Promise<void> {
    const { client } = await this.#connected;
    await client.publish(interruptChannel(this.#options.prefix, this.#options.queueName), id);
  }

  #track(op: Promise<unknown>): void {
    const tracked = op.catch(noop).finally(() => this.#ops.delete(tracked));
    this.#ops.add(tracked);
  }

  // The watchdog: is Redis there, and have we missed events?
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
        for (const record of [...this.#records.values()]) if (record.phase !== 'queued') this.#fail(record, error);
      }
      return;
    }
    if (trimmedUpTo !== undefined && compareIds(trimmedUpTo, readAtLastTick) > 0) this.#needSweep = true;
    if (this.#needSweep && this.#records.size > 0) await this.#sweep(parts);
  }

  // Re-reads the jobs of unsettled records from their hashes.
  async #sweep(parts: Connected): Promise<void> {
    this.#sweeping = true;
    this.#needSweep = false;
    try {
      const records = [...this.#records.values()].filter((r) => r.phase === 'sent' || r.phase === 'active');
      const snapshots = await readJobs(parts.client, (id) => parts.queue.toKey(id), records.map((r) => r.id));
      snapshots.forEach((s, i) => this.#apply(records[i], s));
    } catch {
      this.#needSweep = true;
    } finally {
      this.#sweeping = false;
    }
  }

  #apply(record: JobRecord, snapshot: JobSnapshot): void {
    if (record.settled || record.open === 0) return;
    if (!snapshot.exists) {
      return this.#onLost(record, 'is gone from Redis (a Redis restart without persistence, eviction under maxmemory, or removed)');
    }
    if (snapshot.progress !== undefined) this.#onProgress(record, parseJson(snapshot.progress));
    if (snapshot.finishedOn !== undefined && snapshot.failedReason !== undefined) return this.#onFailed(record, snapshot.failedReason);
    if (snapshot.finishedOn !== undefined) return this.#onCompleted(record, parseJson(snapshot.returnvalue ?? 'null'));
    if (snapshot.processedOn !== undefined) this.#onActive(record);
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

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
