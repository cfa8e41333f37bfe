/**
 * Child side of interrupts: how a call in a child process learns that it was
 * interrupted, even while it blocks the main thread in a synchronous loop.
 *
 * A process shares no memory with its parent, and a signal handler (or an
 * IPC message) only runs when the main thread's JavaScript yields. So the
 * parent writes interrupts to a socket (fd 4) that a small thread of the
 * child reads on its own event loop; that thread sets a word of a
 * SharedArrayBuffer the main thread can read at any time (`Atomics.load`, a
 * few nanoseconds: what `throwIfInterrupted()` polls), and posts a message
 * that aborts the call's `AbortSignal` as soon as the main thread yields.
 *
 * The same thread answers each record with the id of the call the main
 * thread runs, which lets the parent tell a call that is running from one
 * that ended or never started (an interrupted call that has not started is
 * skipped), and a Freeze record stops the main thread from starting another
 * call before the parent kills it, so the parent knows exactly which calls
 * of a coalesced message never started: those run again elsewhere, once.
 */
import { Worker } from 'node:worker_threads';

// Control words: the running call's id, the freeze flag, then one slot per call id modulo kSlots holding
// the id of the last interrupted call that maps there. A child holds at most one message of at most
// kSlots calls, so two live calls never share a slot.
const kRunning = 0;
const kFrozen = 1;
const kFirstSlot = 2;
export const kSlots = 1024;

// Runs in the interrupt thread: reads 8-byte records [op, id] from fd 4 and answers each with [id, running].
const kThread = `
const { workerData, parentPort } = require('node:worker_threads');
const net = require('node:net');
const control = new Int32Array(workerData.buffer);
const socket = new net.Socket({ fd: workerData.fd, readable: true, writable: true });
let pending = Buffer.alloc(0);
socket.on('error', () => {});
socket.on('data', (chunk) => {
  pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
  while (pending.length >= 8) {
    const op = pending.readUInt32LE(0);
    const id = pending.readUInt32LE(4) | 0;
    pending = pending.subarray(8);
    if (op === 1) {
      Atomics.store(control, ${kFirstSlot} + ((id >>> 0) % ${kSlots}), id);
      parentPort.postMessage(id);
    } else if (op === 2) {
      Atomics.store(control, ${kFrozen}, 1);
    } else continue;
    const answer = Buffer.allocUnsafe(8);
    answer.writeUInt32LE(op === 1 ? id >>> 0 : 0, 0);
    answer.writeUInt32LE(Atomics.load(control, ${kRunning}) >>> 0, 4);
    socket.write(answer);
  }
});
`;

/** The main thread's view of the interrupt thread. */
export class InterruptChannel {
  readonly #control = new Int32Array(new SharedArrayBuffer(4 * (kFirstSlot + kSlots)));

  /** @param onInterrupt - called on the main thread (when it yields) with an interrupted call's id */
  constructor(fd: number, onInterrupt: (id: number) => void) {
    try {
      const thread = new Worker(kThread, { eval: true, workerData: { buffer: this.#control.buffer, fd }, stdout: true, stderr: true });
      thread.on('message', (id: number) => onInterrupt(id));
      thread.on('error', () => undefined);
      thread.unref();
    } catch {
      // Without the thread, interrupts cannot reach this child: the parent kills it after the grace period.
    }
  }

  /**
   * Marks call `id` as the one running.
   * @returns false if it must not run: it was interrupted before it started, or the child is frozen
   */
  start(id: number): boolean {
    Atomics.store(this.#control, kRunning, id | 0);
    // Read after the store (sequentially consistent): an interrupt or freeze either sees this call
    // running, or is seen here.
    return Atomics.load(this.#control, kFrozen) === 0 && !this.interrupted(id);
  }

  get frozen(): boolean {
    return Atomics.load(this.#control, kFrozen) !== 0;
  }

  /** Whether call `id` was interrupted: one shared memory read, no event loop needed. */
  interrupted(id: number): boolean {
    return Atomics.load(this.#control, kFirstSlot + ((id >>> 0) % kSlots)) === (id | 0);
  }
}
