/**
 * The process pool's engine behind the ProcessPoolExecutor facade: a FIFO of
 * jobs in front of at most `maxWorkers` children, started on demand. A
 * future stays `pending` (cancellable) until a child is free, and becomes
 * `running` when its job is sent to one.
 *
 * Coalescing (as the thread pool does): single calls of a task known to be
 * tiny that wait behind each other go to a child in one message, so the
 * cost of a message is paid once per trip, not once per call.
 *
 * Python's semantics: a child that dies (a signal, `process.exit`, a crash)
 * breaks the pool — every pending and running future fails with
 * `BrokenProcessPool`, and so does every later submit. An interrupt is not a
 * death: the call's signal aborts, and only a call that does not end within
 * `interruptGraceMs` has its child killed and replaced. Calls run at most
 * once: when a child is killed, the calls of its message that never started
 * run elsewhere, and those that had started fail with `WorkerExitError`.
 *
 * Everything a child says is checked here (shape, ids), and every future is
 * settled on its own: a bad message fails at most the futures of the child
 * that sent it, and no message handler can throw.
 */
import { BrokenProcessPool, DataCloneError, WorkerExitError } from '../errors';
import type { Future } from '../Future';
import { decodeTaskError } from '../internal/decodeTaskError';
import { Fifo } from '../internal/Fifo';
import { kChildMarker } from './childMarker';
import type { Frame } from './frames';
import type { Job } from './Job';
import type { FilledOptions } from './options';
import { InterruptOp, type ToChild } from './protocol';
import { WorkerProcess, type ExitInfo } from './WorkerProcess';

// Coalescing: calls of a task known to be tiny go to a child together, up to this much expected work per
// message (ms) …
const kBatchBudgetMs = 2;
// … and at most this many calls per message (below the child's interrupt slots, interruptChannel.ts).
const kMaxBatch = 512;
// Weight of the newest sample in a task's moving average of call time.
const kEwmaWeight = 0.2;
// How long a frozen child may take to say which call it runs before it is killed without knowing.
const kFreezeAnswerMs = 250;

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
  // Id of the next call; a message's calls have consecutive ids.
  #nextId = 1;
  // Per task: a moving average of one call's time in the child (ms).
  readonly #callTime = new WeakMap<object, number>();
  // Resolved whenever no job is queued or running.
  #idleWaiters: Array<() => void> = [];
  /** Messages sent to children (for the bench: coalescing shows here). */
  messagesSent = 0;

  constructor(options: FilledOptions, settings: Extract<ToChild, { type: 'settings' }>) {
    this.#options = options;
    this.#settings = settings;
  }

  /** How many calls of `task` coalescing joins into one message at most; undefined until the task is measured. */
  messageSize(task: object): number | undefined {
    const callTime = this.#callTime.get(task);
    if (callTime === undefined) return undefined;
    return Math.max(1, Math.min(kMaxBatch, Math.floor(kBatchBudgetMs / Math.max(callTime, 1e-6))));
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
      const live = startLive(this.#queue.shift()!);
      if (live === undefined) continue;
      const job = this.#coalesce(live);
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

  /**
   * Joins the single calls of the same tiny task waiting behind `job` into
   * one message. Only calls that would wait anyway are joined, and only as
   * many as keep the message within kBatchBudgetMs and spread the queue over
   * the free children; an idle pool sends single calls as they come.
   */
  #coalesce(job: Job): Job {
    if (!isSingleCall(job) || this.#queue.length === 0) return job;
    const callTime = this.#callTime.get(job.task);
    if (callTime === undefined) return job;
    const freeChildren = Math.max(1, this.#idle.length - 1 + (this.#options.maxWorkers - this.#live.size));
    const limit = Math.min(kMaxBatch, Math.floor(kBatchBudgetMs / Math.max(callTime, 1e-6)), Math.ceil((this.#queue.length + 1) / freeChildren));
    if (limit < 2) return job;
    const futures = [...job.futures];
    const calls = [...job.calls];
    while (calls.length < limit) {
      const next = this.#queue.peek();
      if (next === undefined || next.task !== job.task || !isSingleCall(next)) break;
      this.#queue.shift();
      const live = startLive(next);
      if (live === undefined) continue;
      futures.push(live.futures[0]);
      calls.push(live.calls[0]);
    }
    return calls.length === 1 ? job : { futures, task: job.task, calls, started: true };
  }

  #spawn(): WorkerProcess | undefined {
    if (process.env[kChildMarker] !== undefined) {
      this.#breakPool(
        new BrokenProcessPool(
          'this process was started as a ProcessPoolExecutor child but runs something other than the child entry ' +
            '(a preload, or a command line such as `node -e` passed on whole), so it starts no children of its own: that would fork without end',
        ),
      );
      return undefined;
    }
    try {
      const worker = new WorkerProcess({
        entry: this.#options.workerFilename,
        execArgv: this.#options.execArgv,
        env: this.#options.env,
        settings: this.#settings,
        onFrame: (w, frame) => this.#onFrame(w, frame),
        onStatus: (w, id, running) => this.#onStatus(w, id, running),
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
    const id = this.#nextId;
    const message: ToChild = job.stream
      ? { type: 'stream', id, task: job.task, args: job.calls[0] }
      : { type: 'run', id, task: job.task, calls: job.calls };
    try {
      worker.send(message);
    } catch (err) {
      this.#idle.push(worker);
      if (job.calls.length > 1) {
        // One call the serializer refuses must not fail its neighbours: each is sent alone.
        for (let i = job.futures.length - 1; i >= 0; i--) this.#queue.unshift({ futures: [job.futures[i]], task: job.task, calls: [job.calls[i]], started: true, solo: true });
      } else {
        this.#failJob(job, new DataCloneError(`the task's arguments cannot be cloned to a child process: ${describeError(err)}`, { cause: err }));
      }
      return;
    }
    this.#nextId += job.calls.length;
    this.messagesSent += 1;
    worker.job = job;
    worker.jobId = id;
    worker.setBusy(true);
    // One handler for the message, not a closure per call: it finds the call by its future (only on an interrupt).
    const { futures } = job;
    const onInterrupt = (f: Future<unknown>): void => this.#interrupt(worker, job, futures.indexOf(f));
    for (const f of futures) f.setInterruptHandler(onInterrupt);
  }

  // Every frame from a child ends here; nothing below may throw into the socket's event handler.
  #onFrame(worker: WorkerProcess, frame: Frame): void {
    try {
      if (frame.ok) this.#onMessage(worker, frame.message);
      else this.#unreadable(worker, `a message from the child process (pid ${worker.pid}) could not be read: ${frame.error.message}`);
    } catch (err) {
      // A bug of ours: the futures of this child fail, the process does not.
      this.#unreadable(worker, `rxfutures could not handle a message from the child process (pid ${worker.pid}): ${describeError(err)}`);
    }
  }

  #onMessage(worker: WorkerProcess, message: unknown): void {
    if (message === null || typeof message !== 'object') return;
    const m = message as Record<string, unknown>;
    const { job } = worker;
    switch (m.type) {
      case 'initFailed': {
        const cause = decodeSafely(m.error);
        this.#breakPool(new BrokenProcessPool(`a process initializer failed, the process pool is not usable anymore: ${describeError(cause)}`, { cause }));
        return;
      }
      case 'ended':
        // An interrupted call ended in time: its child stays.
        if (typeof m.id === 'number') this.#clearGrace(worker, m.id);
        return;
      case 'unreadable':
        if (job !== undefined) this.#unreadable(worker, `the child process could not read its message: ${typeof m.reason === 'string' ? m.reason : 'no reason given'}`);
        return;
      case 'yield':
        if (job?.stream === undefined || m.id !== worker.jobId) return;
        job.stream.push(m.value);
        return;
      case 'end': {
        if (job?.stream === undefined || m.id !== worker.jobId) return;
        const [run] = job.futures;
        if (m.failure === undefined) {
          job.stream.end();
          if (!run.done()) run.setResult(undefined);
        } else {
          const error = failureError(m.failure);
          job.stream.fail(error);
          if (!run.done()) run.setException(error);
        }
        this.#release(worker, 1);
        return;
      }
      case 'done': {
        if (job === undefined || job.stream !== undefined || m.id !== worker.jobId) return;
        const { values, failures, elapsed } = m;
        if (!Array.isArray(values) || values.length !== job.futures.length || (failures !== undefined && !Array.isArray(failures))) {
          this.#unreadable(worker, `the child process (pid ${worker.pid}) sent a malformed answer for ${job.futures.length} call(s)`);
          return;
        }
        if (typeof elapsed === 'number' && elapsed >= 0 && values.length > 0) this.#noteCallTime(job, elapsed / values.length);
        // The child gets its next message before the futures are settled: it runs while this thread settles
        // (and a map's done callbacks submit more), instead of idling through it (issue #15).
        this.#release(worker, job.calls.length);
        job.futures.forEach((f, i) => {
          // An interrupted future is already cancelled: what the task said after that is dropped.
          if (f.done()) return;
          const failure: unknown = (failures as unknown[] | undefined)?.[i];
          settle(f, failure === undefined ? { value: values[i] } : { error: failureError(failure) });
        });
        return;
      }
      default:
      // 'ready', and whatever else: nothing to do.
    }
  }

  #noteCallTime(job: Job, sample: number): void {
    const previous = this.#callTime.get(job.task);
    this.#callTime.set(job.task, previous === undefined ? sample : previous + kEwmaWeight * (sample - previous));
  }

  // What a child sent cannot be read or makes no sense: its calls fail (they may have run: never again),
  // and the child, which may still be running them, is replaced.
  #unreadable(worker: WorkerProcess, reason: string): void {
    const { job } = worker;
    worker.job = undefined;
    if (job !== undefined) this.#failJob(job, new DataCloneError(reason));
    if (this.#live.has(worker)) this.#leave(worker, 'kill');
    this.#pump();
  }

  // A child finished its job: back to idle, or retired after maxTasksPerChild.
  #release(worker: WorkerProcess, calls: number): void {
    worker.job = undefined;
    for (const timer of worker.graceTimers.values()) clearTimeout(timer);
    worker.graceTimers.clear();
    worker.callsRun += calls;
    if (!this.#live.has(worker)) return;
    if (worker.frozen) this.#leave(worker, 'kill');
    else if (worker.callsRun >= this.#options.maxTasksPerChild) this.#leave(worker, 'retire');
    else {
      worker.setBusy(false);
      this.#idle.push(worker);
    }
    this.#pump();
  }

  // cancel({ interrupt: true }) of call `index` of `job` (the future is cancelled already): abort its signal
  // in the child, and kill the child only if the call is still running interruptGraceMs later.
  #interrupt(worker: WorkerProcess, job: Job, index: number): void {
    if (worker.job !== job) return;
    job.stream?.end();
    const id = worker.jobId + index;
    worker.signal(InterruptOp.Interrupt, id);
    if (worker.graceTimers.has(id)) return;
    worker.graceTimers.set(
      id,
      setTimeout(() => this.#freeze(worker), this.#options.interruptGraceMs),
    );
  }

  // The child's interrupt thread answered: an interrupted call that is not running ended (or never will start).
  #onStatus(worker: WorkerProcess, id: number, running: number): void {
    try {
      if (id === 0) this.#killFrozen(worker, running);
      else if (running !== id) this.#clearGrace(worker, id);
    } catch (err) {
      this.#unreadable(worker, `rxfutures could not handle an answer of the child process (pid ${worker.pid}): ${describeError(err)}`);
    }
  }

  #clearGrace(worker: WorkerProcess, id: number): void {
    const timer = worker.graceTimers.get(id);
    if (timer === undefined) return;
    clearTimeout(timer);
    worker.graceTimers.delete(id);
  }

  // An interrupted call ignored its signal: the child starts no further call and says which one it runs.
  #freeze(worker: WorkerProcess): void {
    if (worker.frozen || !this.#live.has(worker)) return;
    worker.frozen = true;
    worker.signal(InterruptOp.Freeze, 0);
    setTimeout(() => this.#killFrozen(worker, undefined), kFreezeAnswerMs);
  }

  /**
   * Kills a frozen child. Of the calls of its message, those after `running`
   * never started: they go back to the front of the queue. Those up to it
   * started, and their results (if any) die with the child: they fail with
   * WorkerExitError rather than run twice. Without an answer, every call
   * counts as started.
   */
  #killFrozen(worker: WorkerProcess, running: number | undefined): void {
    if (!this.#live.has(worker)) return;
    const { job } = worker;
    worker.job = undefined;
    this.#leave(worker, 'kill');
    if (job !== undefined) {
      const again: Job = { futures: [], task: job.task, calls: [], started: true };
      job.futures.forEach((f, i) => {
        if (f.done()) return;
        if (running !== undefined && job.stream === undefined && worker.jobId + i > running) {
          again.futures.push(f);
          again.calls.push(job.calls[i]);
        } else {
          settle(f, {
            error: new WorkerExitError(
              `the child process running this call (pid ${worker.pid}) was killed because another call of its message ignored an interrupt; ` +
                'this call had started, so it is not run again',
            ),
          });
        }
      });
      if (again.futures.length > 0) this.#queue.unshift(again);
    }
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
    for (const f of job.futures) if (!f.done()) settle(f, { error });
    job.stream?.fail(error);
  }
}

function isSingleCall(job: Job): boolean {
  return job.stream === undefined && job.solo !== true && job.calls.length === 1;
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

/** Settles one future; a callback of it that throws is reported, never thrown at its neighbours. */
function settle(f: Future<unknown>, outcome: { value: unknown } | { error: unknown }): void {
  try {
    if (f.done()) return;
    if ('value' in outcome) f.setResult(outcome.value);
    else f.setException(outcome.error);
  } catch (err) {
    process.emitWarning(`rxfutures: internal error while delivering a result: ${describeError(err)}`, { type: 'RxFuturesWarning' });
  }
}

/** A call's failure, as sent by a child (unchecked), as the error its future holds. */
function failureError(failure: unknown): unknown {
  if (failure !== null && typeof failure === 'object') {
    if (Object.hasOwn(failure, 'uncloneable')) {
      const { uncloneable } = failure as { uncloneable: unknown };
      return new DataCloneError(typeof uncloneable === 'string' ? uncloneable : 'the result cannot be cloned to the parent process');
    }
    if (Object.hasOwn(failure, 'error')) return decodeSafely((failure as { error: unknown }).error);
  }
  return new DataCloneError('the child process sent a malformed failure for this call');
}

/**
 * A child's encoded exception, rebuilt by the one rule every boundary uses
 * (internal/errorCodec.ts: own properties only, bounded in depth and in
 * errors, linear in what was received even when a hostile child shares one
 * node between many parents). Never throws.
 */
function decodeSafely(encoded: unknown): unknown {
  try {
    const kind = encoded !== null && typeof encoded === 'object' ? Object.getOwnPropertyDescriptor(encoded, 'kind')?.value : undefined;
    if (kind !== 'error' && kind !== 'value') throw new TypeError(`an encoded exception must be an object of a known kind, got ${encoded === null ? 'null' : typeof encoded}`);
    return decodeTaskError(encoded);
  } catch (err) {
    return new DataCloneError(`the task's exception could not be rebuilt in the parent process: ${describeError(err)}`, { cause: err });
  }
}

function describeError(err: unknown): string {
  try {
    return err instanceof Error ? err.message : String(err);
  } catch {
    return 'an unreadable exception';
  }
}
