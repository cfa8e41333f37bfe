/**
 * Synchronises a spec with tasks wherever they run — a worker thread, a
 * child process, or this event loop — without sleeps and without shared
 * memory: a task connects to the gate's Unix socket and names itself
 * (`started`), then waits until the spec `release`s it. A process has no
 * SharedArrayBuffer to wait on, so events over a socket stand in for
 * Piscina's Atomics.
 */
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

let nextGate = 0;

export class Gate {
  readonly path: string;
  readonly #server: net.Server;
  // Tasks that announced themselves, by name.
  readonly #arrived = new Map<string, net.Socket>();
  // Names released before (or after) they arrived.
  readonly #released = new Set<string>();
  readonly #waiters = new Map<string, Array<() => void>>();

  private constructor(socketPath: string) {
    this.path = socketPath;
    this.#server = net.createServer((socket) => {
      let line = '';
      socket.on('error', () => undefined);
      socket.on('data', (chunk) => {
        line += chunk.toString('utf8');
        const end = line.indexOf('\n');
        if (end < 0) return;
        const name = line.slice(0, end);
        this.#arrived.set(name, socket);
        if (this.#released.has(name)) socket.write('go\n');
        for (const wake of this.#waiters.get(name) ?? []) wake();
        this.#waiters.delete(name);
      });
    });
  }

  /** Opens a gate on a fresh socket path. */
  static async open(): Promise<Gate> {
    const gate = new Gate(path.join(os.tmpdir(), `rxf-gate-${process.pid}-${nextGate++}.sock`));
    await new Promise<void>((resolve, reject) => {
      gate.#server.once('error', reject);
      gate.#server.listen(gate.path, resolve);
    });
    return gate;
  }

  /** Resolves once the task named `name` has started. */
  started(name: string, timeoutMs = 10_000): Promise<void> {
    if (this.#arrived.has(name)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`task ${name} did not start within ${timeoutMs} ms`)), timeoutMs);
      const wake = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.#waiters.set(name, [...(this.#waiters.get(name) ?? []), wake]);
    });
  }

  /** Whether the task named `name` has started. */
  hasStarted(name: string): boolean {
    return this.#arrived.has(name);
  }

  /** Lets the task named `name` finish (now, or as soon as it starts). */
  release(name: string): void {
    this.#released.add(name);
    const socket = this.#arrived.get(name);
    if (socket !== undefined && !socket.destroyed) socket.write('go\n');
  }

  async close(): Promise<void> {
    for (const socket of this.#arrived.values()) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
