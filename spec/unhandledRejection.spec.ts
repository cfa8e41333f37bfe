import { asCompleted } from '../lib/asCompleted';
import { Future } from '../lib/Future';
import { FIRST_COMPLETED, FIRST_EXCEPTION, wait } from '../lib/wait';
import { flushTurns, runInPlainNode } from './helpers/futures';

/**
 * One scenario, run twice: in Jest (whose own handler fails a test during
 * which a rejection goes unhandled) and in a plain Node process with a real
 * `process.on('unhandledRejection')` listener (inside Jest such a listener
 * sits on the test file's own `process` object and never hears anything).
 *
 * It is JavaScript in a string so both can run it. Every promise the scenario
 * itself creates is handled: only what the library creates is under test.
 * It receives `m` = { Future, wait, asCompleted, FIRST_COMPLETED, FIRST_EXCEPTION }
 * and returns how many futures it made.
 */
const SCENARIO = `
  const { Future, wait, asCompleted, FIRST_COMPLETED, FIRST_EXCEPTION } = m;
  const made = [];
  const future = (state) => {
    const f = new Future();
    if (state === 'running') f.setRunningOrNotifyCancel();
    made.push(f);
    return f;
  };
  const boom = (i) => new Error('boom ' + i);
  const interrupt = (f) => { f.setInterruptHandler(() => undefined); f.cancel({ interrupt: true }); };
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  const later = (ms, fn) => setTimeout(fn, ms);
  const swallow = () => undefined;

  // 1. Failed futures nobody awaits, failed at once and failed later.
  for (let i = 0; i < 200; i += 1) future('pending').setException(boom(i));
  for (let i = 0; i < 100; i += 1) { const f = future('running'); later(1, () => f.setException(boom(i))); }
  // A thrown non-Error, and a thrown undefined.
  future('running').setException('a string');
  future('running').setException(undefined);

  // 2. Cancelled futures nobody awaits: pending, and running interrupted.
  for (let i = 0; i < 100; i += 1) {
    future('pending').cancel();
    interrupt(future('running'));
  }

  // 3. result(timeout) / exception(timeout) whose timeout the user caught, and
  //    whose future fails or is cancelled afterwards.
  for (let i = 0; i < 50; i += 1) {
    const f = future('running');
    await f.result(0).catch(swallow);
    await f.exception(1).catch(swallow);
    f.setException(boom(i));
    const g = future('pending');
    void g.result(5).catch(swallow);
    void g.exception(5).catch(swallow);
    g.cancel();
    const h = future('running');
    void h.result(1).catch(swallow);
    later(3, () => h.setException(boom(i)));
  }
  // A bad timeout on a failed future: the rejection is returned, and caught here.
  const failed = future('pending');
  failed.setException(boom('failed'));
  await failed.result(-1).catch(swallow);

  // 4. Failed futures awaited many times over, each await handled.
  const shared = future('running');
  const awaiting = Array.from({ length: 50 }, () => (async () => { try { await shared; } catch {} })());
  later(1, () => shared.setException(boom('shared')));
  await Promise.all(awaiting);
  await shared.then(swallow, swallow);

  // 5. Done callbacks on failing and cancelled futures, including async ones that reject.
  for (let i = 0; i < 20; i += 1) {
    const f = future('running');
    f.addDoneCallback((d) => d.exceptionNow());
    f.addDoneCallback(async () => { throw boom('async callback ' + i); });
    f.setException(boom(i));
    const c = future('pending');
    c.addDoneCallback((d) => d.exceptionNow()); // throws CancelledError: reported as a warning
    c.cancel();
  }

  // 6. wait(): the futures fail, with and without timeout, and after it returned.
  const w = Array.from({ length: 10 }, () => future('running'));
  const first = wait(w, { returnWhen: FIRST_EXCEPTION });
  w[3].setException(boom('w3'));
  await first;
  await wait(w, { returnWhen: FIRST_COMPLETED, timeout: 1 });
  await wait(w, { timeout: 2 });
  w.slice(4).forEach((f, i) => (i % 2 ? interrupt(f) : f.setException(boom(i))));
  w.slice(0, 3).forEach((f, i) => f.setException(boom(i)));
  await wait(w);

  // 7. asCompleted(): left early, timed out, returned while waiting; the futures fail afterwards.
  const a = Array.from({ length: 10 }, () => future('running'));
  a[0].setException(boom('a0'));
  for await (const f of asCompleted(a)) break;
  await asCompleted(a, { timeout: 1 }).next().then(() => asCompleted(a, { timeout: 1 }).next()).catch(swallow);
  const it = asCompleted(a);
  await it.next();
  const waiting = it.next();
  await it.return();
  await waiting;
  a.slice(1).forEach((f, i) => (i % 2 ? interrupt(f) : f.setException(boom(i))));

  // Let every timer above fire and every microtask settle.
  await new Promise((resolve) => setTimeout(resolve, 30));
  for (let i = 0; i < 5; i += 1) await tick();
  if (!made.every((f) => f.done())) throw new Error('scenario bug: a future was left unfinished');
  return made.length;
`;

const MODULES = { Future, wait, asCompleted, FIRST_COMPLETED, FIRST_EXCEPTION };

/** @test {Future} */
describe('unhandledRejection', () => {
  it('should not happen in Jest for failed and cancelled futures nobody awaits (Jest 30 fails the test if it does)', async () => {
    const seen: unknown[] = [];
    const listener = (reason: unknown): void => {
      seen.push(reason);
    };
    process.on('unhandledRejection', listener);
    // Async done callbacks that reject are reported as warnings; keep them off the console.
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const run = new Function('m', `return (async () => {${SCENARIO}})();`) as (m: typeof MODULES) => Promise<number>;
      expect(await run(MODULES)).toBeGreaterThan(700);
      await flushTurns(5);
      expect(seen).toEqual([]);
      expect(warn.mock.calls.map(([, options]) => (options as { type: string }).type)).toEqual(Array(40).fill('RxFuturesCallbackWarning'));
    } finally {
      warn.mockRestore();
      process.off('unhandledRejection', listener);
    }
  });

  it("should not reach a real process.on('unhandledRejection') listener in plain Node", async () => {
    const { stdout } = await runInPlainNode(`
      const seen = [];
      process.on('unhandledRejection', (reason) => seen.push(String(reason)));
      process.removeAllListeners('warning');
      const m = { ...lib('Future'), ...lib('wait'), ...lib('asCompleted') };
      const made = await (async () => {${SCENARIO}})();
      for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
      console.log(JSON.stringify({ made, seen }));
    `);
    const { made, seen } = JSON.parse(stdout) as { made: number; seen: string[] };
    expect(made).toBeGreaterThan(700);
    expect(seen).toEqual([]);
  });

  it('should be caught by that listener when a rejection really is dropped (the check is live)', async () => {
    const { stdout } = await runInPlainNode(`
      const seen = [];
      process.on('unhandledRejection', (reason) => seen.push(String(reason)));
      const { Future } = lib('Future');
      const f = new Future();
      f.setException(new Error('dropped by the user'));
      f.result(); // the user's own promise, dropped: this one is the user's fault
      for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
      console.log(JSON.stringify(seen));
    `);
    expect(JSON.parse(stdout)).toEqual(['Error: dropped by the user']);
  });
});
