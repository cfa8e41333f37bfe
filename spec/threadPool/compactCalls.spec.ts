import path from 'node:path';
import { MessagePort } from 'node:worker_threads';
import { ThreadPoolExecutor, taskModule } from '../../lib';
import { kPreferredInFlight } from '../../lib/internal/symbols';

const tasks = taskModule<typeof import('../fixtures/tasks')>(path.join(__dirname, '../fixtures/tasks.ts'));

/**
 * A single call goes to its worker in the compact form
 * (lib/threadPool/protocol.ts, CompactCall): `[taskId, slot, descriptor, ...args]`,
 * the descriptor only until that worker has answered a message carrying it.
 * These specs read what the pool posts to its workers.
 */
describe('ThreadPoolExecutor compact calls', () => {
  let pool: ThreadPoolExecutor;
  // The compact calls posted to workers since the spec began, in order.
  let sent: unknown[][];
  const post = MessagePort.prototype.postMessage;

  beforeEach(() => {
    sent = [];
    MessagePort.prototype.postMessage = function postMessage(this: MessagePort, message: unknown, transfer?: never): void {
      const task = (message as { task?: unknown } | null)?.task;
      if (Array.isArray(task)) sent.push([...task]);
      post.call(this, message, transfer);
    };
  });
  afterEach(async () => {
    MessagePort.prototype.postMessage = post;
    await pool?.shutdown();
  });

  it('should send a task’s descriptor to a worker only until that worker has answered a message carrying it', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    for (let i = 0; i < 5; i++) expect(await pool.submit(tasks.double, i)).toBe(2 * i);
    expect(sent).toHaveLength(5);
    expect(sent[0][2]).toMatchObject({ kind: 'module', exportName: 'double' });
    expect(sent.slice(1).map((call) => call[2])).toEqual([undefined, undefined, undefined, undefined]);
    // One number for the task, the arguments after the header.
    expect(new Set(sent.map((call) => call[0])).size).toBe(1);
    expect(sent.map((call) => call[3])).toEqual([0, 1, 2, 3, 4]);
  });

  it('should describe the task again to each new worker (maxTasksPerChild)', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1, maxTasksPerChild: 2 });
    const threads: number[] = [];
    for (let i = 0; i < 6; i++) threads.push(await pool.submit(tasks.whichThread));
    // Two calls per worker: each new worker's first message names the task, its second does not.
    expect(new Set(threads).size).toBe(3);
    expect(sent.map((call) => call[2] !== undefined)).toEqual([true, false, true, false, true, false]);
  });

  it('should number tasks apart and describe each one once per worker', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const inline = (a: number, b: number): number => a * b;
    for (let i = 0; i < 3; i++) {
      expect(await pool.submit(tasks.double, i)).toBe(2 * i);
      expect(await pool.submit(inline, i, 3)).toBe(3 * i);
    }
    expect(sent.map((call) => call[2] !== undefined)).toEqual([true, true, false, false, false, false]);
    expect(sent[1][2]).toMatchObject({ kind: 'inline' });
    expect(new Set(sent.map((call) => call[0])).size).toBe(2);
    // Two arguments follow the header as they were passed.
    expect(sent[1].slice(3)).toEqual([0, 3]);
  });

  it('should keep the describing message until its answer when the first call fails', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    await expect(pool.submit(tasks.fail, 'first')).rejects.toMatchObject({ message: 'first' });
    await expect(pool.submit(tasks.fail, 'second')).rejects.toMatchObject({ message: 'second' });
    // A task's exception is an answer: the worker knew the task by then.
    expect(sent.map((call) => call[2] !== undefined)).toEqual([true, false]);
  });

  it('should learn a task’s call time from calls answered with a bare value', async () => {
    pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    expect(pool[kPreferredInFlight](tasks.spin)).toBeUndefined();
    expect(typeof (await pool.submit(tasks.spin, 5))).toBe('number');
    // A ~5 ms call is no tiny task: one call per message, two messages per worker. Had the call time
    // been lost (read as 0), the pool would take it for the tiniest task there is (1,024 in flight).
    expect(pool[kPreferredInFlight](tasks.spin)).toBe(2);
    expect(pool.stats.completed).toBe(1);
    expect(pool.stats.utilization).toBeGreaterThan(0);
  });
});
