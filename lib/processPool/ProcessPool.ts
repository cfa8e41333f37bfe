/**
 * The process pool's engine behind the ProcessPoolExecutor facade: a FIFO of
 * jobs in front of at most `maxWorkers` children, started on demand. A
 * future stays `pending` (cancellable) until a child is free, and becomes
 * `running` when its job is sent to one.
 *
 * Python's semantics: a child that dies (a signal, `process.exit`, a crash)
 * breaks the pool — every pending and running future fails with
 * `BrokenProcessPool`, and so does every later submit. An interrupt is not a
 * death: the interrupted child is killed and replaced.
 */
import { BrokenProcessPool, DataCloneError } from '../errors';
import type { Future } from '../Future';
import { decodeError } from '../internal/errorCodec';
import { Fifo } from '../internal/Fifo';
import type { Job } from './Job';
import type { FilledOptions } from './options';
import type { Failure, FromChild, ToChild } from './protocol';
import { WorkerProcess, type ExitInfo } from './WorkerProcess';

/** The children behind ProcessPoolExecutor's facade. @internal */
export class ProcessPool {
  readonly #options: FilledOptions;
  readonly #settings: Extract<ToChild, { type: 'settings' }>;
  readonly #queue = new Fifo<Job>();
  // Live children that take work, and those of them that are idle.
  readonly #live = new Set<WorkerProcess>();
  #idle: WorkerProcess[] = [];
  // Children asked to leave (retired, interrupted, shut down) that have not exited yet.
  readonly #leaving = new Set<WorkerProcess>();
  #broken: BrokenProcessPool | undefined;
  #nextId = 1;
  // Resolved whenever no job is queued or running.
  #idleWaiters: Array<() => void> = [];

  constructor(options: FilledOptions, settings: Extract<ToChild, { type: 'settings' }>) {
    this.#options = options;
    this.#settings = settings;
  }

  /** The error every submit throws once a child died. */
  get broken(): BrokenProcessPool | undefined {
    return this.#broken;
  }

  enqueue(job: Job): void {
    if (this.#broken !== undefined) {
      this.#failJob(job, this.#broken);
      return;
    }
    this.#queue.push(job);
    this.#pump();
  }

  /** Cancels every pending future in the queue (shutdown's cancelFutures). */
  cancelPending(): void {
    for (const job of this.#queue) for (const f of job.futures) f.cancel();
    this.#pump();
  }

  /** Resolves once no job is queued or running. */
  whenIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Lets every child go; resolves once all of them (the leaving ones too) have exited. */
  async destroy(): Promise<void> {
    for (const worker of this.#live) this.#leave(worker, 'retire');
    await Promise.all([...this.#leaving].map((w) => w.retire()));
  }

  #isIdle(): boolean {
    if (this.#queue.length > 0) return false;
    for (const w of this.#live) if (w.job !== undefined) return false;
    return true;
  }

  // Hands queued jobs to idle children, starting children up to maxWorkers (p-limit's resumeNext).
  #pump(): void {
    while (this.#broken === undefined && this.#queue.length > 0 && (this.#idle.length > 0 || this.#live.size < this.#options.maxWorkers)) {
      const job = startLive(this.#queue.shift()!);
      if (job === undefined) continue;
      const worker = this.#idle.pop() ?? this.#spawn();
      if (worker === undefined) {
        this.#failJob(job, this.#broken);
        break;
      }
      this.#dispatch(worker, job);
    }
    if (this.#idleWaiters.length > 0 && this.#isIdle()) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  #spawn(): WorkerProcess | undefined {
    try {
      const worker = new WorkerProcess({
        entry: this.#options.workerFilename,
        execArgv: this.#options.execArgv,
        env: this.#options.env,
        settings: this.#settings,
        onMessage: (w, message) => this.#onMessage(w, message),
        onExit: (w, info) => this.#onExit(w, info),
      });
      this.#live.add(worker);
      return worker;
    } catch (err) {
      this.#breakPool(new BrokenProcessPool(`a child process could not be started: ${String((err as Error)?.message ?? err)}`, { cause: err }));
      return undefined;
    }
  }

  #dispatch(worker: WorkerProcess, job: Job): void {
    const id = this.#nextId++;
    const message: ToChild = job.stream
      ? { type: 'stream', id, task: job.task, args: job.calls[0] }
      : { type: 'run', id, task: job.task, calls: job.calls };
    try {
      worker.send(message);
    } catch (err) {
      // Our clone check let something through that the serializer refuses: only this job fails.
      const error = new DataCloneError(`the task's arguments cannot be cloned to a child process: ${String((err as Error)?.message ?? err)}`, { cause: err });
      this.#failJob(job, error);
      this.#idle.push(worker);
      return;
    }
    worker.job = job;
    worker.setBusy(true);
    for (const f of job.futures) f.setInterruptHandler(() => this.#interrupt(worker, job));
  }

  #onMessage(worker: WorkerProcess, message: FromChild): void {
    if (message.type === 'ready') return;
    if (message.type === 'initFailed') {
      const cause = decodeError(message.error);
      this.#breakPool(
        new BrokenProcessPool(`a process initializer failed, the process pool is not usable anymore: ${String((cause as Error)?.message ?? cause)}`, {
          cause,
        }),
      );
      return;
    }
    // Messages of a job taken away by an interrupt are dropped.
    const job = worker.job;
    if (job === undefined) return;
    switch (message.type) {
      case 'yield':
        job.stream?.push(message.value);
        return;
      case 'end': {
        const [run] = job.futures;
        if (message.failure === undefined) {
          job.stream?.end();
          if (!run.done()) run.setResult(undefined);
        } else {
          const error = failureError(message.failure);
          job.stream?.fail(error);
          if (!run.done()) run.setException(error);
        }
        break;
      }
      case 'done':
        job.futures.forEach((f, i) => {
          if (f.done()) return;
          const failure = message.failures?.[i];
          if (failure === undefined) f.setResult(message.values[i]);
          else f.setException(failureError(failure));
        });
    }
    this.#release(worker, job.calls.length);
  }

  // A child finished its job: back to idle, or retired after maxTasksPerChild.
  #release(worker: WorkerProcess, calls: number): void {
    worker.job = undefined;
    worker.setBusy(false);
    worker.callsRun += calls;
    if (worker.callsRun >= this.#options.maxTasksPerChild) this.#leave(worker, 'retire');
    else this.#idle.push(worker);
    this.#pump();
  }

  // cancel({ interrupt: true }) of a future in `job`: kill its child; other calls of a chunk run again elsewhere.
  #interrupt(worker: WorkerProcess, job: Job): void {
    if (worker.job !== job) return;
    worker.job = undefined;
    this.#leave(worker, 'kill');
    job.stream?.end();
    const rest = job.futures.map((f, i) => ({ f, args: job.calls[i] })).filter(({ f }) => !f.done());
    if (rest.length > 0) this.#queue.unshift({ futures: rest.map((r) => r.f), task: job.task, calls: rest.map((r) => r.args), started: true });
    this.#pump();
  }

  #leave(worker: WorkerProcess, how: 'retire' | 'kill'): void {
    this.#live.delete(worker);
    this.#idle = this.#idle.filter((w) => w !== worker);
    this.#leaving.add(worker);
    // Until it has exited, so that `await shutdown()` is not cut short by an empty event loop.
    worker.setBusy(true);
    void (how === 'kill' ? worker.kill() : worker.retire());
  }

  #onExit(worker: WorkerProcess, info: ExitInfo): void {
    this.#leaving.delete(worker);
    const wasLive = this.#live.delete(worker);
    this.#idle = this.#idle.filter((w) => w !== worker);
    const { job } = worker;
    worker.job = undefined;
    if (!info.expected && wasLive) {
      const how = info.signal !== null ? `killed by ${info.signal}` : `exited with code ${info.code}`;
      const error = new BrokenProcessPool(
        `a process in the process pool was terminated abruptly while the future was running or pending (pid ${worker.pid} ${how})`,
      );
      if (job !== undefined) this.#failJob(job, error);
      this.#breakPool(error);
    }
    this.#pump();
  }

  // Python's BrokenProcessPool: every pending and running future fails, the other children are stopped.
  #breakPool(error: BrokenProcessPool): void {
    if (this.#broken !== undefined) return;
    this.#broken = error;
    for (const worker of [...this.#live]) {
      const { job } = worker;
      worker.job = undefined;
      if (job !== undefined) this.#failJob(job, error);
      this.#leave(worker, 'kill');
    }
    for (const job of this.#queue.drain()) this.#failJob(job, error);
    this.#pump();
  }

  #failJob(job: Job, error: unknown): void {
    for (const f of job.futures) if (!f.done()) f.setException(error);
    job.stream?.fail(error);
  }
}

/** Marks a job's futures running, dropping cancelled calls; undefined if none is left. */
function startLive(job: Job): Job | undefined {
  const futures: Future<unknown>[] = [];
  const calls: unknown[][] = [];
  job.futures.forEach((f, i) => {
    if (job.started ? !f.done() : f.setRunningOrNotifyCancel()) {
      futures.push(f);
      calls.push(job.calls[i]);
    }
  });
  if (futures.length === 0) return undefined;
  return futures.length === job.futures.length ? job : { ...job, futures, calls };
}

/** A call's failure as the error its future holds. */
function failureError(failure: Failure): unknown {
  if ('uncloneable' in failure) return new DataCloneError(failure.uncloneable);
  return decodeError(failure.error);
}
