/**
 * The engine behind `QueueExecutor`: turns Futures into BullMQ jobs and the
 * queue's events back into Future states.
 *
 * - Jobs submitted in one turn of the event loop go to Redis in one
 *   `addBulk` round trip: the flush waits for `setImmediate`, not a
 *   microtask, so the chunks `map` submits while its consumer works through
 *   one batch of results (a microtask per item) share a round trip.
 * - One event reader per executor (not one per job) follows every job:
 *   active → running, completed → result, failed → the task's exception.
 *   It starts reading from a stream id taken from Redis's clock before the
 *   first job is added, so no event of ours can slip past it. Events come
 *   from Redis, where anyone with write access could write: each is checked,
 *   and one that is not ours fails only its own job (JobRecord.ts).
 * - Cancelling removes a waiting job, or publishes an interrupt that the
 *   worker holding the job obeys.
 * - A watchdog catches what events cannot: a trimmed event stream or a
 *   reconnection (it then re-reads the jobs' hashes), and Redis gone for too
 *   long (unfinished futures fail with `BrokenQueue`), so nothing waits forever.
 *
 * How each event settles a job's futures is in JobRecord.ts, the watchdog
 * in QueueWatchdog.ts; this file sends jobs, routes events and takes back
 * cancelled jobs.
 */
import { randomBytes } from 'node:crypto';
import type { Queue } from 'bullmq';
import type IORedis from 'ioredis';
import type { Future } from '../Future';
import { closeClient, connectRedis, describeConnection } from './connectRedis';
import { BrokenQueue } from './errors';
import { JobEventsReader } from './JobEventsReader';
import { failJob, onActive, onCompleted, onFailed, onLost, onProgress, type JobRecord } from './JobRecord';
import type { JobStream } from './JobStream';
import { loadBullmq } from './load';
import type { FilledExecutorOptions } from './options';
import { interruptChannel, jobName, kProtocol, type JobKind } from './protocol';
import { QueueWatchdog } from './QueueWatchdog';
import { withTimeout } from './withTimeout';

interface Connected {
  client: IORedis;
  queue: Queue;
  events: JobEventsReader;
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
  readonly #flushNow = (): void => void this.#flush();
  // Redis connection, queue and event reader, once started.
  readonly #connected: Promise<Connected>;
  // Why the executor cannot work (Redis unreachable at start).
  #broken: BrokenQueue | undefined;
  // Removals and interrupts in flight; close() waits for them.
  readonly #ops = new Set<Promise<unknown>>();
  // Job ids are <random>-<n>: unique across producers, known before the add.
  readonly #idPrefix = randomBytes(6).toString('hex');
  #seq = 0;
  // Catches what events cannot; every event read is reported to it.
  readonly #watchdog: QueueWatchdog;
  // close() waits for the records to empty.
  #onIdle: (() => void) | undefined;

  constructor(options: FilledExecutorOptions) {
    this.#options = options;
    this.#watchdog = new QueueWatchdog(options, this.#records);
    this.#connected = this.#start();
    this.#connected.catch((error: BrokenQueue) => {
      this.#broken = error;
      for (const record of this.#records.values()) failJob(record, error);
    });
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
    if (this.#broken !== undefined) return failJob(record, this.#broken);
    this.#outbox.push(record);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      // Not queueMicrotask: map's consumer frees one chunk at a time across many microtasks, and a
      // microtask flush sent each of them as an addBulk of its own (issue #15). setImmediate runs
      // right after the I/O callback that delivered the results: a lone submit waits a few µs more
      // (the queue's round-trip p50 did not move).
      setImmediate(this.#flushNow);
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
    this.#watchdog.stop();
    const parts = await this.#connected.catch(() => undefined);
    if (parts === undefined) return;
    // BullMQ's close() waits for Redis, which may be gone: give it a second, then cut our connections.
    // (BullMQ's disconnect waits for an 'end' that a client stuck reconnecting never emits.)
    await withTimeout(Promise.allSettled([parts.events.close(), parts.queue.close()]), 1000).catch(noop);
    await closeClient(parts.client);
  }

  async #start(): Promise<Connected> {
    const o = this.#options;
    const client = await connectRedis(o.connection, o.connectTimeout, 'QueueExecutor');
    try {
      // Read events from a moment before any job of ours exists (Redis's own clock, 1 s of margin).
      const [seconds, micros] = await client.time();
      const readFrom = `${Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - 1000}-0`;
      this.#watchdog.read(readFrom);
      const { Queue } = loadBullmq();
      const queue = new Queue(o.queueName, { connection: client, prefix: o.prefix, streams: { events: { maxLen: o.eventsMaxLen } } });
      queue.on('error', noop);
      const readerClient = client.duplicate();
      readerClient.on('error', noop);
      const events = new JobEventsReader(
        readerClient,
        queue.toKey('events'),
        readFrom,
        (eventId, fields) => this.#event(eventId, fields),
        () => this.#watchdog.missedEvents(),
      );
      // Connected before ready() resolves, so the reader's first XREAD (from readFrom) cannot miss a job added after.
      await readerClient.connect().catch((error: unknown) => {
        readerClient.disconnect();
        throw error;
      });
      // Any later 'ready' is a reconnection: events may be gone with a restarted Redis.
      client.on('ready', () => this.#watchdog.missedEvents());
      readerClient.on('ready', () => this.#watchdog.missedEvents());
      events.start();
      this.#watchdog.start({ client, queue });
      return { client, queue, events };
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
      for (const r of batch) failJob(r, failure);
    }
  }

  // Every event goes through here: it advances the read position, and finds the record.
  #event(eventId: string, fields: ReadonlyMap<string, string>): void {
    this.#watchdog.read(eventId);
    const jobId = fields.get('jobId');
    const record = jobId === undefined ? undefined : this.#records.get(jobId);
    if (record === undefined || record.settled) return;
    const limit = this.#options.maxPayloadBytes;
    switch (fields.get('event')) {
      case 'active':
        return onActive(record);
      case 'progress':
        return onProgress(record, fields.get('data'), limit);
      case 'completed':
        return onCompleted(record, fields.get('returnvalue'), limit);
      case 'failed':
        return onFailed(record, fields.get('failedReason'), limit);
      case 'removed':
        return onLost(record, 'was removed from the queue by someone else');
    }
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
}
