/**
 * The queue is a trust boundary (SPEC.md §6, issue #13): each test is an
 * attack by someone who can write to Redis, made with a raw BullMQ/ioredis
 * client against the spec's own redis-server, and asserts what the worker
 * and the producers do about it.
 */
import { execFile, fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { inspect } from 'node:util';
import { serialize } from 'node:v8';
import { Queue, QueueEvents } from 'bullmq';
import fc from 'fast-check';
import IORedis from 'ioredis';
import { BrokenQueue, QueueExecutor, startQueueWorker, task, TaskNotAllowedError, type Future, type QueueTaskEntry } from '../../lib';
import { describeWithRedis, freePort } from '../helpers/redis';
import { verbose } from '../helpers/verbose';
import { within } from '../helpers/within';
import { kTasksPath, tasks, untilServing, useQueueHarness } from './harness';

const kCli = join(__dirname, '../../bin/rxfutures-worker.js');
const kOutside = require.resolve('../fixtures/queueOutside/tasks.js');
const kFloodCounter = require.resolve('../fixtures/floodCounter.js');
// /proc/<pid>/stat counts CPU time in these (USER_HZ, 100 on Linux).
const kClockTicks = 100;
const kProtocol = 2;
const b64 = (value: unknown): string => serialize(value).toString('base64');

describeWithRedis('QueueExecutor security', () => {
  const h = useQueueHarness();
  const scratch = mkdtempSync(join(tmpdir(), 'rxfutures-security-'));
  const raw: Array<{ close(): Promise<unknown> }> = [];

  afterEach(async () => {
    await Promise.all(raw.splice(0).map((r) => r.close()));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** A raw BullMQ Queue and QueueEvents on the test's queue, as an attacker would open them. */
  async function attacker(): Promise<{ queue: Queue; events: QueueEvents }> {
    const queue = new Queue(h.queueName, { connection: { url: h.redis.url } as never });
    const events = new QueueEvents(h.queueName, { connection: { url: h.redis.url } as never });
    queue.on('error', () => undefined);
    events.on('error', () => undefined);
    raw.push(queue, events);
    await events.waitUntilReady();
    return { queue, events };
  }

  /** Adds a raw job and resolves with its failedReason once it failed (rejects if it completed). */
  async function rawJobFails(data: unknown, opts: Record<string, unknown> = {}): Promise<string> {
    const { queue, events } = await attacker();
    const job = await queue.add('attack', data, { attempts: 3, ...opts });
    const outcome = await job.waitUntilFinished(events, 10_000).then(
      () => undefined,
      (error: Error) => error.message,
    );
    if (outcome === undefined) throw new Error('the hostile job completed');
    return outcome;
  }

  describe('only allowlisted tasks run', () => {
    it('should refuse to start a worker without an allowlist (startQueueWorker and the CLI)', async () => {
      await expect(startQueueWorker({ connection: h.redis.url, queueName: h.queueName } as never)).rejects.toThrow(/options\.tasks is required/);
      await expect(startQueueWorker({ connection: h.redis.url, queueName: h.queueName, tasks: [] })).rejects.toBeInstanceOf(TypeError);
      await expect(startQueueWorker({ connection: h.redis.url, queueName: h.queueName, tasks: [`${kTasksPath}#noSuchExport`] })).rejects.toThrow(/no function export "noSuchExport"/);
      const { code, stderr } = await run(['--queue', h.queueName], { REDIS_URL: h.redis.url });
      expect(code).toBe(1);
      expect(stderr).toMatch(/refusing to start without --tasks/);
    });

    // Each with arguments that would leave a file behind if the task ran.
    const writeIt = (marker: string): string => `process.getBuiltinModule("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran")`;
    it.each<[string, string, string, (marker: string) => unknown[]]>([
      ['node:child_process execSync', 'node:child_process', 'execSync', (m) => [`touch ${m}`]],
      ['node:vm runInThisContext', 'node:vm', 'runInThisContext', (m) => [writeIt(m)]],
      ['node:fs writeFileSync', 'node:fs', 'writeFileSync', (m) => [m, 'ran']],
      ['child_process without node:', 'child_process', 'execSync', (m) => [`touch ${m}`]],
      ['a data: URL', `data:text/javascript,export default (f) => ${writeIt('x').replace('"x"', 'f')}`, 'default', (m) => [m]],
      ['an http: URL', 'http://127.0.0.1:9/tasks.js', 'default', (m) => [m]],
      ['an https: URL', 'https://example.org/tasks.js', 'default', (m) => [m]],
      ['a module not on the list', kOutside, 'touch', (m) => [m]],
      ['a file: URL of a module not on the list', `file://${kOutside}`, 'touch', (m) => [m]],
      ['a ../ detour to a module not on the list', join(kTasksPath, '..', 'queueOutside', 'tasks.js'), 'touch', (m) => [m]],
      ['__proto__', kTasksPath, '__proto__', (m) => [m]],
      ['constructor', kTasksPath, 'constructor', (m) => [m]],
      ['an inherited name', kTasksPath, 'hasOwnProperty', (m) => [m]],
      ['an export the module does not have', kTasksPath, 'nope', (m) => [m]],
    ])('should fail a job naming %s at once with TaskNotAllowedError, running nothing', async (_what, specifier, exportName, args) => {
      const marker = join(scratch, `ran-${Math.random().toString(36).slice(2)}`);
      await h.worker();
      // Through a producer: the future fails with the typed error.
      const ex = h.executor();
      const error = await ex.submit(task(specifier, exportName), ...args(marker)).exception(10_000);
      expect(error).toBeInstanceOf(TaskNotAllowedError);
      expect((error as TaskNotAllowedError).exportName).toBe(exportName);
      // Raw, with retries asked for: failed once, for good.
      const reason = await rawJobFails({ p: kProtocol, kind: 'call', s: specifier, x: exportName, a: b64(args(marker)) });
      expect(reason).toMatch(/TaskNotAllowedError: the queue worker refused task/);
      expect(existsSync(marker)).toBe(false);
    });

    it('should check the sanity of the attack: the same arguments given to the listed fixture do write the file', async () => {
      // Without this the no-file assertions above could pass because the arguments were wrong.
      const marker = join(scratch, 'control');
      await h.worker({ tasks: [kOutside] });
      expect(await h.executor().submit(task(kOutside, 'touch'), marker).result(10_000)).toBeUndefined();
      expect(existsSync(marker)).toBe(true);
    });

    it('should compare after resolving symlinks: a link to an unlisted module is refused, a link to a listed one runs', async () => {
      const toOutside = join(scratch, 'looks-harmless.js');
      const toListed = join(scratch, 'listed-link.js');
      symlinkSync(kOutside, toOutside);
      symlinkSync(kTasksPath, toListed);
      await h.worker();
      const ex = h.executor();
      expect(await ex.submit(task(toOutside, 'touch'), join(scratch, 'nope')).exception(10_000)).toBeInstanceOf(TaskNotAllowedError);
      expect(await ex.submit(task(toListed, 'double'), 21)).toBe(42);
    });

    it.each<[string, () => QueueTaskEntry[]]>([
      ["'module#export'", () => [`${kTasksPath}#double`]],
      ['{ module, exports }', () => [{ module: kTasksPath, exports: ['double'] }]],
      ['a Task', () => [tasks.double]],
    ])('should run only the exports named when the list narrows them with %s', async (_form, list) => {
      await h.worker({ tasks: list() });
      const ex = h.executor();
      expect(await ex.submit(tasks.double, 2)).toBe(4);
      expect(await ex.submit(tasks.add, 1, 2).exception(10_000)).toBeInstanceOf(TaskNotAllowedError);
    });
  });

  describe('nothing from Redis hangs or crashes a producer', () => {
    it('should go on serving two producers after a malformed event, and shut down', async () => {
      await h.worker();
      // The default interval: the bound is the issue's, interval + 1 s, with room for a busy machine.
      const interval = 2000;
      const a = h.executor({ watchdog: { interval, disconnected: 30_000 } });
      const b = h.executor({ watchdog: { interval, disconnected: 30_000 } });
      await Promise.all([a.ready(), b.ready()]);
      // Warm: the worker's thread has loaded the task module, so what is timed below is the queue alone.
      expect(await Promise.all([a.submit(tasks.double, 0), b.submit(tasks.double, 0)])).toEqual([0, 0]);
      const key = `bull:${h.queueName}:events`;
      await h.client.xadd(key, '*', 'event', 'progress', 'jobId', 'x', 'data', '{not json');
      await h.client.xadd(key, '*', 'event', 'completed', 'jobId', 'x', 'returnvalue', '{not json');
      await h.client.xadd(key, '*', '__proto__', 'x', 'event', 'failed');
      const started = Date.now();
      expect(await Promise.all([a.submit(tasks.double, 1).result(interval + 1000), b.submit(tasks.double, 2).result(interval + 1000)])).toEqual([2, 4]);
      expect(Date.now() - started).toBeLessThan(interval + 1000);
      await within(Promise.all([a.shutdown(), b.shutdown()]), 10_000, 'shutdown of both producers');
    });

    it('should restart the event reader when its connection is cut, from the last id it read', async () => {
      await h.worker();
      const ex = h.executor({ watchdog: { interval: 200, disconnected: 30_000 } });
      const held = ex.submit(tasks.waitForRelease, h.redis.url, 'cut');
      await h.started('cut');
      // Cut every connection blocked in XREAD (the producer's event reader), then let the job end.
      const clients = (await h.client.client('LIST')) as string;
      for (const line of clients.split('\n').filter((l) => /cmd=xread/.test(l))) await h.client.client('KILL', 'ID', /id=(\d+)/.exec(line)![1]);
      await h.release('cut');
      expect(await held.result(5000)).toBe('released');
      expect(await ex.submit(tasks.double, 5).result(5000)).toBe(10);
    });

    /** Forges events for the producer's one active job; resolves with its future's exception. */
    async function forge(fields: string[][]): Promise<{ error: unknown; neighbour: Future<number> }> {
      await h.worker({ concurrency: 2 });
      const ex = h.executor({ watchdog: { interval: 2000, disconnected: 30_000 } });
      const held = ex.submit(tasks.waitForRelease, h.redis.url, 'forged');
      await h.started('forged');
      const { queue } = await attacker();
      const [job] = await queue.getActive();
      for (const f of fields) await h.client.xadd(`bull:${h.queueName}:events`, '*', 'event', f[0], 'jobId', job.id!, ...f.slice(1));
      // Within the watchdog horizon (interval + 1 s, interval 2000 as by default): the reader fails it on reading.
      const error = await held.exception(3000);
      const neighbour = ex.submit(tasks.double, 21);
      await h.release('forged');
      return { error, neighbour };
    }

    const deepChain = (depth: number): string => {
      // Written byte by byte: v8.serialize itself overflows its stack on a chain this deep.
      const str = (s: string): Buffer => Buffer.concat([Buffer.from([0x22, s.length]), Buffer.from(s, 'latin1')]);
      const open = Buffer.concat([Buffer.from([0x6f]), str('kind'), str('error'), str('cause')]);
      const close = Buffer.from([0x7b, 0x02]);
      const leaf = Buffer.from([0x6f, 0x7b, 0x00]);
      return Buffer.concat([Buffer.from([0xff, 0x0f]), ...Array(depth).fill(open), leaf, ...Array(depth).fill(close)]).toString('base64');
    };
    const encoded = (overrides: Record<string, unknown>): string =>
      b64({ kind: 'error', ctor: 'Error', name: 'Error', message: 'forged', hasCause: false, props: {}, ...overrides });

    it.each([
      ['e: null', JSON.stringify({ rxf: 'error', e: null })],
      ['a ctor of toString', JSON.stringify({ rxf: 'error', e: encoded({ ctor: 'toString' }) })],
      ['a 50,000-deep cause chain', JSON.stringify({ rxf: 'error', e: deepChain(50_000) })],
      ['an unknown progress kind', JSON.stringify({ rxf: 'surprise' })],
      ['base64 that is no serialised value', JSON.stringify({ rxf: 'error', e: '!!!!' })],
    ])('should fail only its own future, with BrokenQueue, for a forged failure with %s', async (_what, data) => {
      const { error, neighbour } = await forge([['progress', 'data', data], ['failed', 'failedReason', 'forged']]);
      expect(error).toBeInstanceOf(BrokenQueue);
      expect(error).toBeInstanceOf(Error);
      expect(await neighbour.result(15_000)).toBe(42);
    });

    it('should fail with BrokenQueue for a forged completed event whose result is not a serialised value', async () => {
      const { error, neighbour } = await forge([['completed', 'returnvalue', JSON.stringify({ not: 'ours' })]]);
      expect(error).toBeInstanceOf(BrokenQueue);
      expect(await neighbour.result(15_000)).toBe(42);
    });

    it('should never let a __proto__ property change the rebuilt error\'s prototype', async () => {
      const props = JSON.parse('{"__proto__": {"polluted": true, "name": "Evil"}, "code": "E_FORGED"}');
      const { error } = await forge([['progress', 'data', JSON.stringify({ rxf: 'error', e: encoded({ props }) })], ['failed', 'failedReason', 'x']]);
      expect(error).toBeInstanceOf(Error);
      expect(Object.getPrototypeOf(error)).toBe(Error.prototype);
      expect((error as { polluted?: unknown }).polluted).toBeUndefined();
      expect((error as { code?: unknown }).code).toBe('E_FORGED');
    });
  });

  describe('bounded cost per job', () => {
    it('should fail a 13-byte job standing for a sparse array of length 5e7 within 100 ms, the event loop never blocked', async () => {
      await h.worker();
      const sparse: unknown[] = [];
      sparse.length = 5e7;
      const a = serialize(sparse);
      expect(a.length).toBe(13);
      const lag = monitorEventLoopDelay({ resolution: 10 });
      lag.enable();
      const { queue, events } = await attacker();
      const job = await queue.add('attack', { p: kProtocol, kind: 'batch', s: kTasksPath, x: 'double', a: a.toString('base64') });
      await expect(job.waitUntilFinished(events, 10_000)).rejects.toThrow(/100000|dense|over the limit/);
      lag.disable();
      const done = await queue.getJob(job.id!);
      expect(done!.finishedOn! - done!.processedOn!).toBeLessThan(100);
      expect(lag.max / 1e6).toBeLessThan(100);
    });

    it.each<[string, (limit: number) => Record<string, unknown>, RegExp]>([
      ['10,001 arguments in one call', () => ({ kind: 'call', a: b64(new Array(10_001).fill(0)) }), /the arguments: 10001 elements, over the limit of 10000/],
      ['100,001 calls in one chunk', () => ({ kind: 'batch', a: b64(Array.from({ length: 100_001 }, () => [1])) }), /the chunk: 100001 elements, over the limit of 100000/],
      ['a sparse argument list', () => ({ kind: 'call', a: b64(new Array(3)) }), /must be a dense array \(no holes\), missing element 0/],
      ['arguments that are no array', () => ({ kind: 'call', a: b64({ length: 1, 0: 1 }) }), /the arguments must be an array/],
      ['arguments over maxPayloadBytes (checked before decoding)', (limit) => ({ kind: 'call', a: 'A'.repeat(2 * limit) }), /characters of base64, over maxPayloadBytes/],
    ])('should fail a raw job with %s at once, without retries', async (_what, data, reason) => {
      const limit = 2 ** 20;
      await h.worker({ maxPayloadBytes: limit });
      const failed = await rawJobFails({ p: kProtocol, s: kTasksPath, x: 'double', ...data(limit) });
      expect(failed).toMatch(reason);
      const { queue } = await attacker();
      const [job] = await queue.getFailed();
      expect(job.attemptsMade).toBe(1);
    });

    // The bound: after 100,000 interrupt publishes the next job's latency is under 1 s. How long
    // the flood takes to reach any client is Redis's, ioredis's and the machine's load's business (on a
    // busy 2-core machine ioredis alone needs 0.2-1 s of wall time to parse it), so the latency is counted
    // from the moment a bare ioredis subscriber in a process of its own (the control) has received the
    // whole flood. The worker serves a job between chunks of the flood, so that latency hardly shows the
    // worker's own cost per message; that cost is asserted as CPU time, which load does not inflate the
    // way it inflates wall time: the worker's CPU from before the flood until it has read all of it (an
    // interrupt published after the flood has reached its task) minus the control's CPU for the same
    // messages, under the same 1 s. Measured on this machine: the control spends ~2.2 µs of CPU per
    // message; the worker now adds ~1-1.5 µs (0.1-0.15 s per 100,000), the Map-scan memory added ~5 µs,
    // the original quadratic one took over 30 s. The flood is one Lua script, sent as fast as Redis can.
    // Checked against the quadratic Map scan of a79a419 restored in JobRunner.interrupt (18:37 UTC, load ~6):
    // it fails — the worker spent 47 s of CPU beyond the control's, and the test ran 82 s (over its 30 s);
    // the wall-time latency alone did NOT tell (356 ms: the control, starved of CPU by the spinning worker,
    // itself took 78 s to receive the flood), which is why the CPU bound is the discriminating one.
    it('should serve the next job within 1 s of a bare subscriber receiving 100,000 interrupt publishes, adding under 1 s of CPU to its own', async () => {
      const flood = 100_000;
      // A worker process of its own, so this process's work is not counted; two threads, one for the held job.
      const worker = await startCliWorker(h.redis.url, h.queueName, ['--threads', '2']);
      const ex = h.executor();
      const held = ex.submit(tasks.untilAborted, h.redis.url, 'flood');
      await h.started('flood');
      // Runs on the other thread, so both are warm before the flood.
      expect(await ex.submit(tasks.double, 1)).toBe(2);
      const channel = `bull:${h.queueName}:rxfutures:interrupt`;
      const control = await startControl(h.redis.url, channel, flood + 1);
      const cpuBefore = cpuMsOf(worker.pid!);
      await h.client.eval("for i = 1, tonumber(ARGV[1]) do redis.call('PUBLISH', KEYS[1], 'flood-' .. i) end", 1, channel, flood);
      const submitted = performance.now();
      const next = ex.submit(tasks.double, 2);
      // Published after the flood: the last message on the channel, for the control as for the worker.
      held.cancel({ interrupt: true });
      const { at: controlDone, cpuMs: controlCpu } = await control.done;
      expect(await next.result(30_000)).toBe(4);
      const latency = performance.now() - Math.max(submitted, controlDone);
      expect((await h.client.blpop('flood:cleaned', 30))?.[1]).toBe('aborted=true reason=CancelledError');
      const addedCpu = cpuBefore === undefined ? undefined : cpuMsOf(worker.pid!)! - cpuBefore - controlCpu;
      verbose(`interrupt flood: next job ${latency.toFixed(0)} ms after the control had it all (${(performance.now() - submitted).toFixed(0)} ms after the publish), worker CPU beyond the control's ${addedCpu} ms`);
      expect(latency).toBeLessThan(1000);
      if (addedCpu !== undefined) expect(addedCpu).toBeLessThan(1000);
    });

    it('should cut a 100 MiB exception message to fit maxPayloadBytes in the worker thread, keep Redis small and leave other futures alone', async () => {
      const limit = 2 ** 20;
      // A worker process of its own (the CLI, as deployed): its peak RSS is the exception's cost alone.
      const worker = await startCliWorker(h.redis.url, h.queueName, ['--threads', '1', '--max-payload-bytes', String(limit)]);
      try {
        const ex = h.executor({ maxPayloadBytes: limit });
        // Warm: the worker's thread is up and the task module loaded before the baseline is read.
        expect(await ex.submit(tasks.double, 1)).toBe(2);
        const rssBefore = memoryKiBOf(worker.pid!, 'VmRSS');
        const before = await usedMemory(h.client);
        const neighbour = ex.submit(tasks.double, 21);
        const error = await ex.submit(tasks.failHuge, 100 * 2 ** 20).exception(30_000);
        expect(error).toBeInstanceOf(Error);
        expect((error as Error).message).toMatch(/truncated by rxfutures/);
        expect((error as Error).message.length).toBeLessThan(limit);
        expect((error as { truncated?: boolean }).truncated).toBe(true);
        expect(await neighbour).toBe(42);
        expect((await usedMemory(h.client)) - before).toBeLessThan(2 * limit);
        // Cut in the worker thread, before it is posted: the process's peak grows by the task's own
        // message and stack (~200 MB). Cloned whole to the main thread and cut there, it grew ~600 MB.
        const peakAfter = memoryKiBOf(worker.pid!, 'VmHWM');
        if (rssBefore !== undefined && peakAfter !== undefined) {
          const grewMB = Math.round((peakAfter - rssBefore) / 1024);
          verbose(`100 MiB exception: the worker process's peak RSS grew ${grewMB} MB`);
          expect(grewMB).toBeLessThan(350);
        }
      } finally {
        worker.kill('SIGKILL');
      }
    });
  });

  it('should carry BigInt, Date, Map, Set and typed array properties of an exception intact', async () => {
    await h.worker();
    const ex = h.executor();
    const error = (await ex.submit(tasks.failRich).exception(10_000)) as Record<string, unknown>;
    expect(error).toBeInstanceOf(RangeError);
    expect(error.code).toBe('E_RICH');
    expect(error.big).toBe(2n ** 70n);
    expect(error.when).toEqual(new Date(86_400_000));
    expect(error.map).toEqual(new Map([['k', 1]]));
    expect(error.set).toEqual(new Set([1, 2]));
    expect(error.bytes).toEqual(new Uint8Array([1, 2, 3]));
  });

  describe('secrets', () => {
    it('should read the URL from --redis-url-file or REDIS_URL and never print its password', async () => {
      const url = `redis://:s3cret-pw@127.0.0.1:${await freePort()}`;
      const file = join(scratch, 'redis-url');
      writeFileSync(file, `${url}\n`, { mode: 0o600 });
      for (const [args, env] of [
        [['--redis-url-file', file], {}],
        [[], { REDIS_URL: url }],
        [['--redis', url], {}],
      ] as Array<[string[], Record<string, string>]>) {
        const { code, stderr, stdout } = await run([...args, '--queue', 'q', '--tasks', kTasksPath, '--connect-timeout', '300', '--threads', '1'], env);
        expect(code).toBe(1);
        expect(stderr).toMatch(/cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1/);
        expect(stderr + stdout).not.toMatch(/s3cret-pw/);
        // The one way that puts it in ps says so.
        expect(/warning: the --redis URL holds a password/.test(stderr)).toBe(args[0] === '--redis');
      }
    });

    it('should mask the password in every message a producer or worker gives about its connection', async () => {
      const port = await freePort();
      for (const connection of [`redis://:s3cret-pw@127.0.0.1:${port}`, `redis://user:s3cret-pw@127.0.0.1:${port}/0`, `redis://127.0.0.1:${port}?password=s3cret-pw`]) {
        const ex = new QueueExecutor({ connection, queueName: 'q', connectTimeout: 300 });
        const error = await ex.ready().catch((e: unknown) => e);
        await ex.shutdown();
        expect(error).toBeInstanceOf(BrokenQueue);
        expect((error as Error).message).toMatch(/cannot reach Redis at redis:\/\/.*127\.0\.0\.1/);
        expect(inspect(error, { depth: 10 })).not.toMatch(/s3cret-pw/);
        const refused = await startQueueWorker({ connection, queueName: 'q', tasks: [kTasksPath], connectTimeout: 300, threads: 1 }).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(BrokenQueue);
        expect(inspect(refused, { depth: 10 })).not.toMatch(/s3cret-pw/);
      }
      // A URL that is not one (a typo) is refused without quoting its secret either.
      for (const connection of ['redis:/:s3cret-pw@127.0.0.1', 'http://user:s3cret-pw@127.0.0.1', 'redis//:s3cret-pw@127.0.0.1']) {
        let error: unknown;
        try {
          new QueueExecutor({ connection, queueName: 'q' });
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(TypeError);
        expect((error as Error).message).toMatch(/options\.connection must be a redis:\/\/ or rediss:\/\/ URL/);
        expect((error as Error).message).not.toMatch(/s3cret-pw/);
      }
    });

    it('should put no password on the command line in any documented command', () => {
      const root = join(__dirname, '../..');
      const pages = ['README.md', 'SECURITY.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
      let workerCommands = 0;
      for (const page of pages) {
        const text = readFileSync(join(root, page), 'utf8');
        for (const [, block] of text.matchAll(/```(?:sh|bash|shell|console)\n([\s\S]*?)```/g)) {
          for (const line of block.split('\n')) {
            const command = line.replace(/(^|\s)#.*$/, '');
            // A URL with a password (user:password@ or :password@), or any --redis URL, in a command's words.
            expect({ page, command: /\w+:\/\/[^\s'"@/]*:[^\s'"@/]+@/.test(command) ? command : '' }).toEqual({ page, command: '' });
            if (/rxfutures-worker\s/.test(command)) {
              workerCommands += 1;
              expect({ page, command: /--redis[\s=]/.test(command) ? command : '' }).toEqual({ page, command: '' });
            }
          }
        }
      }
      expect(workerCommands).toBeGreaterThanOrEqual(4);
    });

    it('should refuse an unreadable --tls-ca or --redis-url-file with a clear message', async () => {
      const missing = join(scratch, 'missing.pem');
      expect(await run(['--tls-ca', missing, '--queue', 'q', '--tasks', kTasksPath], { REDIS_URL: h.redis.url })).toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/cannot read --tls-ca .*ENOENT/),
      });
      expect(await run(['--redis-url-file', missing, '--queue', 'q', '--tasks', kTasksPath], {})).toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/cannot read --redis-url-file .*ENOENT/),
      });
    });
  });

  describe('property: garbage from Redis', () => {
    const jsonish = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string(),
      fc.constantFrom('{not json', 'null', '"x"', '{"rxf":"yield","v":"!!"}', '{"rxf":"error","e":"AAAA"}', '[]', '{"__proto__":{"a":1}}'),
    );

    it('should never leave a future pending past the watchdog horizon, whatever event data is forged for its job', async () => {
      await h.worker();
      const interval = 2000;
      const ex = h.executor({ watchdog: { interval, disconnected: 30_000 } });
      expect(await ex.submit(tasks.double, 0)).toBe(0);
      const reader = new IORedis(h.redis.url);
      reader.on('error', () => undefined);
      raw.push({ close: async () => reader.disconnect() });
      const key = `bull:${h.queueName}:events`;
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('progress', 'completed', 'failed', 'active', 'removed', 'other'), fc.constantFrom('data', 'returnvalue', 'failedReason', 'x'), jsonish, async (event, field, value) => {
          const [last] = await reader.xrevrange(key, '+', '-', 'COUNT', 1);
          const from = last?.[0] ?? '0-0';
          const f = ex.submit(tasks.double, 3);
          // The job's id, from its first event (the attacker watches the stream too).
          const jobId = await firstJobId(reader, key, from);
          await h.client.xadd(key, '*', 'event', event, 'jobId', jobId, field, value);
          // The horizon: watchdog.interval + 1 s.
          await f.exception(interval + 1000).catch(() => undefined);
          expect(f.done()).toBe(true);
        }),
        { numRuns: 25 },
      );
    });

    it('should fail a job with garbage in any field of its data and go on serving', async () => {
      await h.worker();
      const ex = h.executor();
      const { queue, events } = await attacker();
      const good = { p: kProtocol, kind: 'call', s: kTasksPath, x: 'double', a: b64([1]) };
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('p', 'kind', 's', 'x', 'a'), fc.jsonValue(), async (field, value) => {
          const job = await queue.add('garbage', { ...good, [field]: value });
          await job.waitUntilFinished(events, 5000).catch((error: Error) => expect(error.message).not.toMatch(/timed out/i));
        }),
        { numRuns: 25 },
      );
      expect(await ex.submit(tasks.double, 4)).toBe(8);
    });
  });
});

/** An rxfutures-worker process on the queue; killed after the test file. */
const cliWorkers: ChildProcess[] = [];
afterAll(() => cliWorkers.splice(0).forEach((c) => c.kill('SIGKILL')));
async function startCliWorker(url: string, queueName: string, options = ['--threads', '1']): Promise<ChildProcess> {
  const child = spawn(process.execPath, [kCli, '--queue', queueName, '--tasks', kTasksPath, ...options], {
    env: { ...process.env, REDIS_URL: url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cliWorkers.push(child);
  await untilServing(child);
  return child;
}

/** User + system CPU time (ms) of process `pid` so far, from /proc (Linux); undefined elsewhere. */
function cpuMsOf(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in clock ticks.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / kClockTicks;
}

/** A memory figure (kB) of process `pid` from /proc/<pid>/status (`VmRSS`, `VmHWM`: its peak RSS); undefined off Linux. */
function memoryKiBOf(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match === null ? undefined : Number(match[1]);
}

/**
 * The control subscriber (spec/fixtures/floodCounter.js), once subscribed; `done` resolves when it had
 * all `count` messages, with when (this process's clock) and the CPU it spent on them.
 */
async function startControl(url: string, channel: string, count: number): Promise<{ done: Promise<{ at: number; cpuMs: number }> }> {
  const child = fork(kFloodCounter, [url, channel, String(count)], { stdio: 'ignore' });
  cliWorkers.push(child);
  const failed = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`the control subscriber exited with ${code}`))));
  const next = (): Promise<{ at: number; message: unknown }> =>
    Promise.race([failed, new Promise<{ at: number; message: unknown }>((resolve) => child.once('message', (message) => resolve({ at: performance.now(), message })))]);
  await next();
  const done = next().then(({ at, message }) => ({ at, cpuMs: (message as { cpuMs: number }).cpuMs }));
  done.catch(() => undefined);
  return { done };
}

/** The first event naming a job in the stream after `from`. */
async function firstJobId(reader: IORedis, key: string, from: string): Promise<string> {
  for (;;) {
    const reply = (await reader.xread('COUNT', 10, 'BLOCK', 5000, 'STREAMS', key, from)) as Array<[string, Array<[string, string[]]>]> | null;
    if (reply === null) throw new Error('no event within 5 s');
    for (const [id, fields] of reply[0][1]) {
      from = id;
      const i = fields.indexOf('jobId');
      if (i >= 0 && fields[i + 1].includes('-')) return fields[i + 1];
    }
  }
}

async function usedMemory(client: IORedis): Promise<number> {
  const info = await client.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { REDIS_URL: _ignored, ...rest } = process.env;
  return new Promise((resolve) => {
    execFile(process.execPath, [kCli, ...args], { timeout: 20_000, env: { ...rest, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}
