/**
 * Worker side: runs one BullMQ job's task on the local thread pool and
 * answers in the protocol the producer reads (lib/queue/protocol.ts). Also
 * stops a job when its producer asks (an interrupt on the pub/sub channel).
 */
import type { Job } from 'bullmq';
import { CancelledError } from '../errors';
import { encodeError, type EncodedError } from '../internal/errorCodec';
import { kSubmitBatch } from '../internal/symbols';
import { task, type Task } from '../Task';
import type { ThreadPoolExecutor } from '../threadPool/ThreadPoolExecutor';
import { PayloadTooLargeError } from './errors';
import { kProtocol, pack, unpack, type BatchOutcome, type JobData, type Progress } from './protocol';

// An interrupt may arrive between BullMQ taking the job and the processor starting: remember it this long.
const kInterruptMemory = 60_000;

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
  readonly #maxPayloadBytes: number;
  // How to stop each running job, by job id.
  readonly #running = new Map<string, () => void>();
  // Job ids whose producer asked to stop them, and when.
  readonly #interrupted = new Map<string, number>();

  constructor(pool: ThreadPoolExecutor, maxPayloadBytes: number) {
    this.#pool = pool;
    this.#maxPayloadBytes = maxPayloadBytes;
  }

  /** Stops job `id` if it runs here (and refuses it if it starts soon). */
  interrupt(id: string): void {
    const now = Date.now();
    for (const [old, at] of this.#interrupted) if (now - at > kInterruptMemory) this.#interrupted.delete(old);
    this.#interrupted.set(id, now);
    this.#running.get(id)?.();
  }

  /**
   * BullMQ's processor: resolves with the serialised result, or throws an
   * Error whose message and stack are the task's (for dashboards) after
   * sending the whole exception as a progress event (for the producer).
   */
  async run(job: Job<JobData>): Promise<string> {
    const id = String(job.id);
    const data = job.data;
    if (data?.p !== kProtocol) throw new Error(`job ${id} is not an rxfutures job of protocol ${kProtocol}`);
    this.#checkInterrupted(id);
    try {
      const args = unpack(data.a) as unknown[];
      const t = task(data.s, data.x);
      switch (data.kind) {
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
            futures.map((f) => f.then((v): [0, unknown] => [0, v], (e): [1, EncodedError] => [1, encodeError(e)])),
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
        default:
          throw new TypeError(`job ${id} has an unknown kind ${JSON.stringify((data as { kind: unknown }).kind)}`);
      }
    } catch (error) {
      this.#checkInterrupted(id);
      await this.#report(job, error);
      throw asFailure(error);
    } finally {
      this.#running.delete(id);
    }
  }

  #checkInterrupted(id: string): void {
    if (this.#interrupted.has(id)) throw new CancelledError(`job ${id} was interrupted by its producer`);
  }

  // Sends the whole exception ahead of the failed event; BullMQ keeps only a message.
  async #report(job: Job<JobData>, error: unknown): Promise<void> {
    const progress: Progress =
      error instanceof PayloadTooLargeError
        ? { rxf: 'tooLarge', what: error.what, bytes: error.bytes, limit: error.limit }
        : { rxf: 'error', e: encodeError(error) };
    await job.updateProgress(progress).catch(() => undefined);
  }
}

/** What BullMQ stores as failedReason and stacktrace: the task's own message and stack. */
function asFailure(error: unknown): Error {
  if (error instanceof Error) {
    const failure = new Error(`${error.name}: ${error.message}`);
    failure.stack = error.stack;
    return failure;
  }
  return new Error(`a task threw ${typeof error === 'string' ? JSON.stringify(error) : String(error)}`);
}
