/**
 * One child process of a ProcessPoolExecutor: spawns it with two sockets
 * (messages on fd 3, interrupts on fd 4; see protocol.ts), sends it its
 * settings, and knows whether its exit was asked for (retired after
 * maxTasksPerChild, interrupted, shut down) or is a death that breaks the
 * pool. An idle child does not keep the parent's event loop alive.
 *
 * `spawn`, not `fork`: Node's IPC channel deserializes in a callback of its
 * own, where a too-deep message from a child would crash this process
 * (frames.ts). Without it a task cannot `process.send` to the pool either.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { kChildMarker } from './childMarker';
import { encodeFrame, FrameReader, type Frame } from './frames';
import type { Job } from './Job';
import { InterruptOp, kStatusBytes, type ToChild } from './protocol';

// After SIGTERM, a child that has not exited within this many ms gets SIGKILL.
const kKillGraceMs = 500;
// A child asked to leave (its socket closed) that is still there after this long is killed.
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
  /** A frame arrived on the message socket (read or not: the pool decides what an unreadable one fails). */
  onFrame(worker: WorkerProcess, frame: Frame): void;
  /** The interrupt thread answered: `id` (0 for a freeze) and the call the child runs. */
  onStatus(worker: WorkerProcess, id: number, running: number): void;
  onExit(worker: WorkerProcess, info: ExitInfo): void;
}

export class WorkerProcess {
  readonly #child: ChildProcess;
  readonly #messages: Socket;
  readonly #interrupts: Socket;
  // The job it runs and the id of its first call; undefined when idle (or once an interrupt took it).
  job: Job | undefined;
  jobId = 0;
  // Calls run, for maxTasksPerChild.
  callsRun = 0;
  // Interrupted calls of its job that have not ended yet, each with the timer that kills the child.
  readonly graceTimers = new Map<number, NodeJS.Timeout>();
  // Asked to start no further call: it is about to be killed.
  frozen = false;
  #expected = false;
  #exited = false;
  readonly #exit: Promise<void>;

  /** @throws what `spawn` throws synchronously (EAGAIN, …) */
  constructor(options: WorkerProcessOptions) {
    this.#child = spawn(process.execPath, [...options.execArgv, options.entry], {
      stdio: ['inherit', 'inherit', 'inherit', 'pipe', 'pipe'],
      env: { ...options.env, [kChildMarker]: String(process.pid) },
    });
    this.#messages = this.#child.stdio[3] as Socket;
    this.#interrupts = this.#child.stdio[4] as Socket;
    this.#exit = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (this.#exited) return;
        this.#exited = true;
        for (const timer of this.graceTimers.values()) clearTimeout(timer);
        this.graceTimers.clear();
        resolve();
        options.onExit(this, { code, signal, expected: this.#expected });
      };
      this.#child.once('exit', done);
      // A child that could not be spawned emits only 'error'.
      this.#child.on('error', () => {
        if (this.#child.pid === undefined) done(null, null);
      });
    });
    // A socket error (the child died mid-write) shows up as the child's exit; nothing to add here.
    this.#messages.on('error', () => undefined);
    this.#interrupts.on('error', () => undefined);
    const frames = new FrameReader();
    this.#messages.on('data', (chunk: Buffer) => {
      for (const frame of frames.push(chunk)) options.onFrame(this, frame);
    });
    let status: Buffer = Buffer.alloc(0);
    this.#interrupts.on('data', (chunk: Buffer) => {
      status = status.length === 0 ? chunk : Buffer.concat([status, chunk]);
      while (status.length >= kStatusBytes) {
        options.onStatus(this, status.readUInt32LE(0), status.readUInt32LE(4));
        status = status.subarray(kStatusBytes);
      }
    });
    this.#messages.write(encodeFrame(options.settings));
    this.setBusy(false);
  }

  /** The child's process id. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** A busy (or leaving) child keeps the parent alive (a pending future is awaited); an idle one does not. */
  setBusy(busy: boolean): void {
    if (busy) {
      this.#child.ref();
      this.#messages.ref();
    } else {
      this.#child.unref();
      this.#messages.unref();
      this.#interrupts.unref();
    }
  }

  /** @throws if the message cannot be serialized (the child is untouched) */
  send(message: ToChild): void {
    this.#messages.write(encodeFrame(message));
  }

  /** Tells the child's interrupt thread (which runs even while the task blocks the child's main thread). */
  signal(op: InterruptOp, id: number): void {
    if (this.#exited) return;
    const record = Buffer.allocUnsafe(8);
    record.writeUInt32LE(op, 0);
    record.writeUInt32LE(id >>> 0, 4);
    this.#interrupts.write(record);
  }

  /** Asks the child to exit once idle (it exits when its message socket closes); resolves when it has. */
  retire(): Promise<void> {
    this.#expected = true;
    if (!this.#exited) {
      this.#messages.end();
      this.#interrupts.end();
    }
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
