/**
 * One child process of a ProcessPoolExecutor: forks it, sends it its
 * settings, and knows whether its exit was asked for (retired after
 * maxTasksPerChild, interrupted, shut down) or is a death that breaks the
 * pool. An idle child does not keep the parent's event loop alive.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { Job } from './Job';
import type { FromChild, ToChild } from './protocol';

// After SIGTERM, a child that has not exited within this many ms gets SIGKILL.
const kKillGraceMs = 500;
// A child asked to leave (disconnected) that is still there after this long is killed.
const kExitTimeoutMs = 5000;

/** How a child left. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** We asked it to go: its exit does not break the pool. */
  expected: boolean;
}

export interface WorkerProcessOptions {
  entry: string;
  execArgv: string[];
  env: NodeJS.ProcessEnv;
  settings: Extract<ToChild, { type: 'settings' }>;
  onMessage(worker: WorkerProcess, message: FromChild): void;
  onExit(worker: WorkerProcess, info: ExitInfo): void;
}

export class WorkerProcess {
  readonly #child: ChildProcess;
  // The job it runs; undefined when idle (or once its job was taken away by an interrupt).
  job: Job | undefined;
  // Calls run, for maxTasksPerChild.
  callsRun = 0;
  #expected = false;
  #exited = false;
  readonly #exit: Promise<void>;

  /** @throws what `fork` throws synchronously (EAGAIN, …) */
  constructor(options: WorkerProcessOptions) {
    this.#child = fork(options.entry, [], { serialization: 'advanced', execArgv: options.execArgv, env: options.env });
    this.#exit = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (this.#exited) return;
        this.#exited = true;
        resolve();
        options.onExit(this, { code, signal, expected: this.#expected });
      };
      this.#child.once('exit', done);
      // A child that could not be spawned emits only 'error'.
      this.#child.on('error', () => {
        if (this.#child.pid === undefined) done(null, null);
      });
    });
    this.#child.on('message', (message: FromChild) => options.onMessage(this, message));
    this.#child.send(options.settings);
    this.setBusy(false);
  }

  /** The child's process id. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** A busy (or leaving) child keeps the parent alive (a pending future is awaited); an idle one does not. */
  setBusy(busy: boolean): void {
    const channel = this.#child.channel as { ref?(): void; unref?(): void } | null | undefined;
    if (busy) {
      this.#child.ref();
      channel?.ref?.();
    } else {
      this.#child.unref();
      channel?.unref?.();
    }
  }

  /** @throws if the message cannot be serialized (the child is untouched) */
  send(message: ToChild): void {
    this.#child.send(message);
  }

  /** Asks the child to exit once idle (it exits when its IPC channel closes); resolves when it has. */
  retire(): Promise<void> {
    this.#expected = true;
    if (!this.#exited && this.#child.connected) this.#child.disconnect();
    const timer = setTimeout(() => this.kill(), kExitTimeoutMs);
    timer.unref();
    return this.#exit.finally(() => clearTimeout(timer));
  }

  /** Stops the child now: SIGTERM, then SIGKILL after a short grace. Resolves when it has exited. */
  kill(): Promise<void> {
    this.#expected = true;
    if (!this.#exited) {
      this.#child.kill('SIGTERM');
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), kKillGraceMs);
      timer.unref();
      void this.#exit.finally(() => clearTimeout(timer));
    }
    return this.#exit;
  }
}
