/**
 * Pool side of keeping a worker's event loop turning while it is idle
 * (the worker side, and why, is leftoverWork.ts): when a worker answers that
 * its calls left work behind, it gets a keep-alive run — a Piscina task in
 * the worker's second slot that ends once the leftovers are done. It is no
 * task of the user's: not counted, not waited for by shutdown, and its
 * worker still takes tasks meanwhile.
 */
import Piscina from 'piscina';
import type { Request } from './protocol';

/** What the load balancer sees of a worker. */
export type PiscinaWorker = Parameters<NonNullable<NonNullable<ConstructorParameters<typeof Piscina>[0]>['loadBalancer']>>[1][number];

// Piscina shows a task's queue options (this symbol's property) to the load balancer: how it tells a
// keep-alive run, and its worker. Symbol keys are not cloned: the worker never sees it.
const kQueueOptions: typeof Piscina.queueOptionsSymbol = Piscina.queueOptionsSymbol;

class KeepAliveRun {
  /** Where the load balancer put the run. */
  landedOn: number | undefined = undefined;

  /** @param target - the worker that needs its event loop kept turning */
  constructor(readonly target: number) {}
}

// Piscina's rejection of the runs of a worker it terminated itself.
const kTerminated = 'Terminating worker thread';

/** Reports a worker that died while no task of ours ran on it: nobody to blame, so a warning. */
export function warnIdleFailure(message: string): void {
  process.emitWarning(`rxfutures: an idle worker thread failed: ${message}`, { type: 'RxFuturesWorkerWarning' });
}

export class KeepAlives {
  // Workers running a keep-alive run, by thread id.
  readonly #workers = new Set<number>();
  // Errors that failed a task because its worker died: the keep-alive run beside it says nothing more.
  readonly #blamed = new WeakSet<object>();

  /**
   * @param run - starts a Piscina task (the pool's `piscina.run`)
   * @param stopping - true while the worker's end is our doing (shutdown, a broken pool, retiring)
   */
  constructor(
    private readonly run: (request: Request) => Promise<unknown>,
    private readonly stopping: (threadId: number) => boolean,
  ) {}

  /** True if the worker runs a keep-alive run (so Piscina counts one task on it that is no work). */
  has(threadId: number): boolean {
    return this.#workers.has(threadId);
  }

  /**
   * Starts a keep-alive run for a worker whose calls left work behind. It has
   * no abort signal: Piscina gives a worker running an abortable task to
   * nothing else.
   */
  start(threadId: number): void {
    if (this.#workers.has(threadId) || this.stopping(threadId)) return;
    const run = new KeepAliveRun(threadId);
    const request = { keepAlive: true, task: kNoTask, [kQueueOptions]: run } as Request;
    this.run(request).then(
      () => this.#end(run),
      (err: unknown) => {
        this.#end(run);
        const message = String((err as Error)?.message ?? err);
        if (message === kTerminated || (run.landedOn !== undefined && this.stopping(run.landedOn))) return;
        // Piscina fails every run of a dead worker with the same error: if a task was running, it got
        // the blame (noteBlamed, a microtask later). Else what a finished task left behind crashed the
        // worker while it was idle.
        setImmediate(() => {
          if (typeof err !== 'object' || err === null || !this.#blamed.has(err)) warnIdleFailure(message);
        });
      },
    );
  }

  /** A task failed with `err` because its worker died. */
  noteBlamed(err: unknown): void {
    if (typeof err === 'object' && err !== null) this.#blamed.add(err);
  }

  /**
   * For the load balancer: where a keep-alive run goes — to its worker; if
   * that one is gone, to any (where it ends at once). Null for other tasks.
   */
  place(task: unknown, workers: PiscinaWorker[]): PiscinaWorker | null | undefined {
    const run = (task as { [kQueueOptions]?: unknown })[kQueueOptions];
    // Not a keep-alive run: Piscina gives null, or the pool's own mark of a compact call (WorkerPool.ts).
    if (!(run instanceof KeepAliveRun)) return undefined;
    const live = workers.filter((w) => !w.terminating);
    const worker = live.find((w) => w.id === run.target) ?? live[0];
    if (worker === undefined) return null;
    run.landedOn = worker.id;
    this.#workers.add(worker.id);
    return worker;
  }

  #end(run: KeepAliveRun): void {
    if (run.landedOn !== undefined) this.#workers.delete(run.landedOn);
  }
}

// A keep-alive run names no task; the worker never loads it.
const kNoTask = Object.freeze({ kind: 'inline', source: '', name: 'keepAlive' }) as Request['task'];
