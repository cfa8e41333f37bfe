/**
 * Worker side: runs one BullMQ job's task on the local thread pool and
 * answers in the protocol the producer reads (lib/queue/protocol.ts). Also
 * stops a job when its producer asks (an interrupt on the pub/sub channel),
 * the thread pool's way: the call's AbortSignal aborts first, and only a
 * task that ignores it for `interruptGraceMs` loses its thread.
 *
 * A job comes from Redis, where anyone with write access could have written
 * it: its data is checked (readJobData.ts) and its task must be on the
 * worker's allowlist (TaskAllowlist.ts) before anything runs; a job that
 * fails either check fails at once, without retries, and runs nothing.
 */
import type { Job } from 'bullmq';
import { CancelledError } from '../errors';
import type { EncodedError } from '../internal/errorCodec';
import { kSubmitBatch } from '../internal/symbols';
import { task, type Task } from '../Task';
import type { ThreadPoolExecutor } from '../threadPool/ThreadPoolExecutor';
import { PayloadTooLargeError, TaskNotAllowedError } from './errors';
import { fitEncodedError } from '../internal/fitEncodedError';
import { InterruptMemory } from './InterruptMemory';
import { loadBullmq } from './load';
import { pack, type BatchOutcome, type JobData, type Progress } from './protocol';
import { readJobData } from './readJobData';
import type { TaskAllowlist } from './TaskAllowlist';

// An interrupt may arrive between BullMQ taking the job and the processor starting: remember it this long…
const kInterruptMemory = 60_000;
// …and at most this many (a flood of ids forgets the oldest first).
const kMaxInterrupts = 10_000;
// Job ids are ours (<12 hex>-<n>) or BullMQ's: anything longer is no job id.
const kMaxJobId = 256;
// What BullMQ keeps of a failure for dashboards (failedReason, stacktrace): the whole exception goes as progress.
const kMaxFailedReason = 1024;
const kMaxStack = 4096;

/**
 * The byte budget of one encoded exception: Redis keeps it twice (the job's
 * progress field and the event stream), base64 adds a third, so a quarter of
 * `maxPayloadBytes` keeps every copy together under it.
 * @example
 * ```ts
 * errorBudget(64 * 2 ** 20); // 16 MiB
 * ```
 * @internal
 */
export function errorBudget(maxPayloadBytes: number): number {
  return Math.floor(maxPayloadBytes / 4);
}

/**
 * Runs jobs on a local thread pool (see the module comment).
 * @example
 * ```ts
 * const runner = new JobRunner(pool, 64 * 2 ** 20);
 * new Worker(queueName, (job) => runner.run(job), { connection });
 * ```
 * @internal
 */
export class JobRunner {
  readonly #pool: ThreadPoolExecutor;
  readonly #allowlist: TaskAllowlist;
  readonly #maxPayloadBytes: number;
  // How to stop each running job, by job id.
  readonly #running = new Map<string, () => void>();
  // Job ids whose producer asked to stop them (they may arrive before their job starts here).
  readonly #interrupted = new InterruptMemory(kMaxInterrupts, kInterruptMemory);
  // One Task per allowed (file, export): the pool knows a task's calls by identity, which lets it
  // coalesce jobs waiting for a thread and learn the task's call time. Bounded by the allowlist.
  readonly #tasks = new Map<string, Task>();

  constructor(pool: ThreadPoolExecutor, allowlist: TaskAllowlist, maxPayloadBytes: number) {
    this.#pool = pool;
    this.#allowlist = allowlist;
    this.#maxPayloadBytes = maxPayloadBytes;
  }

  /**
   * Stops job `id` if it runs here (and refuses it if it starts soon).
   * O(1) per message (InterruptMemory.ts), and at most kMaxInterrupts ids
   * remembered: a flood on the channel costs this process little more than
   * receiving it. `id` is the message as it came from Redis: a string or
   * the raw bytes (anything longer than a job id is dropped unread).
   */
  interrupt(id: unknown): void {
    if (id instanceof Uint8Array) {
      if (id.length > kMaxJobId) return;
      id = Buffer.from(id.buffer, id.byteOffset, id.length).toString('utf8');
    }
    if (typeof id !== 'string' || id.length > kMaxJobId) return;
    this.#interrupted.add(id, Date.now());
    this.#running.get(id)?.();
  }

  /**
   * BullMQ's processor: resolves with the serialised result, or throws an
   * Error whose message and stack are the task's (for dashboards) after
   * sending the whole exception as a progress event (for the producer).
   */
  async run(job: Job<JobData>): Promise<string> {
    const id = String(job.id).slice(0, kMaxJobId);
    let checked;
    try {
      checked = readJobData(job.data, this.#allowlist, this.#maxPayloadBytes);
    } catch (error) {
      await this.#report(job, error);
      // Refused or malformed: retrying cannot help, and must not run anything either.
      throw new (loadBullmq().UnrecoverableError)(failureMessage(error));
    }
    this.#checkInterrupted(id);
    try {
      const { args } = checked;
      const t = this.#task(checked.file, checked.exportName);
      switch (checked.kind) {
        case 'call': {
          const future = this.#pool.submit(t, ...args);
          this.#running.set(id, () => future.cancel({ interrupt: true }));
          const value = await future;
          return pack(value, 'the result', this.#maxPayloadBytes);
        }
        case 'batch': {
          const futures = this.#pool[kSubmitBatch](t, args as unknown[][]);
          this.#running.set(id, () => futures.forEach((f) => f.cancel({ interrupt: true })));
          const outcomes: BatchOutcome = await Promise.all(
            futures.map((f) => f.then((v): [0, unknown] => [0, v], (e): [1, EncodedError] => [1, fitEncodedError(e, errorBudget(this.#maxPayloadBytes))])),
          );
          this.#checkInterrupted(id);
          return pack(outcomes, 'the chunk of results', this.#maxPayloadBytes);
        }
        case 'stream': {
          const iterator = this.#pool.stream(t as Task<unknown[], Iterable<unknown>>, ...args);
          this.#running.set(id, () => void iterator.return?.());
          for await (const value of iterator) {
            const progress: Progress = { rxf: 'yield', v: pack(value, 'a yielded value', this.#maxPayloadBytes) };
            await job.updateProgress(progress);
          }
          this.#checkInterrupted(id);
          return '';
        }
      }
    } catch (error) {
      this.#checkInterrupted(id);
      await this.#report(job, error);
      throw asFailure(error);
    } finally {
      this.#running.delete(id);
    }
  }

  #task(file: string, exportName: string): Task {
    const key = `${file}#${exportName}`;
    let t = this.#tasks.get(key);
    if (t === undefined) this.#tasks.set(key, (t = task(file, exportName)));
    return t;
  }

  #checkInterrupted(id: string): void {
    if (this.#interrupted.has(id, Date.now())) throw new CancelledError(`job ${id} was interrupted by its producer`);
  }

  // Sends the whole exception ahead of the failed event (cut to fit); BullMQ keeps only a message.
  async #report(job: Job<JobData>, error: unknown): Promise<void> {
    let progress: Progress;
    if (error instanceof PayloadTooLargeError) progress = { rxf: 'tooLarge', what: error.what, bytes: error.bytes, limit: error.limit };
    else if (error instanceof TaskNotAllowedError) progress = { rxf: 'refused', s: error.specifier, x: error.exportName, why: error.message };
    else progress = { rxf: 'error', e: pack(fitEncodedError(error, errorBudget(this.#maxPayloadBytes)), 'the exception', this.#maxPayloadBytes) };
    await job.updateProgress(progress).catch(() => undefined);
  }
}

/** What BullMQ stores as failedReason and stacktrace: the task's own message and stack, cut short. */
function asFailure(error: unknown): Error {
  const failure = new Error(failureMessage(error));
  failure.stack = error instanceof Error && typeof error.stack === 'string' ? error.stack.slice(0, kMaxStack) : failure.message;
  return failure;
}

function failureMessage(error: unknown): string {
  let text: string;
  try {
    text = error instanceof Error ? `${error.name}: ${error.message}` : `a task threw ${typeof error === 'string' ? JSON.stringify(error) : String(error)}`;
  } catch {
    text = 'a task threw a value that cannot be described';
  }
  return text.length > kMaxFailedReason ? `${text.slice(0, kMaxFailedReason)}… [truncated]` : text;
}
