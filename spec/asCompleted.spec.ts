import { TimeoutError } from '../lib/errors';
import { Future } from '../lib/Future';
import { asCompleted } from '../lib/asCompleted';
import {
  CANCELLED_FUTURE,
  EXCEPTION_FUTURE,
  FixtureError,
  PENDING_FUTURE,
  RUNNING_FUTURE,
  SUCCESSFUL_FUTURE,
  promiseState,
  rejectAfter,
  resolveAfter,
  resolveSoon,
  runInPlainNode,
} from './helpers/futures';

/**
 * Everything the iterator yields, in order, until it ends. A `next()` loop
 * rather than `for await`: TypeScript types a for-await variable as the
 * awaited value, which for a thenable Future is its result type.
 */
async function drain<T>(it: AsyncIterator<Future<T>>): Promise<Future<T>[]> {
  const out: Future<T>[] = [];
  for (let r = await it.next(); !r.done; r = await it.next()) out.push(r.value);
  return out;
}

/** A promise that resolves after `ms` of real time: here elapsed time is what is under test. */
const elapse = (ms: number) => resolveAfter(new Future<void>(), undefined, ms).result();

/** @test {asCompleted} */
describe('asCompleted', () => {
  it('should yield the Future objects themselves, not their results', async () => {
    const f = SUCCESSFUL_FUTURE(7);
    const it = asCompleted([f]);
    const first = await it.next();
    expect(first.done).toBe(false);
    expect(first.value).toBe(f);
    expect(first.value).toBeInstanceOf(Future);
    // At run time `for await` hands out the Future too; only its static type is the result's.
    for await (const g of asCompleted([resolveSoon(PENDING_FUTURE(), 3)])) {
      const future = g as unknown as Future<number>;
      expect(future).toBeInstanceOf(Future);
      expect(future.resultNow()).toBe(3);
    }
  });

  it('should be its own async iterator', () => {
    const it = asCompleted([SUCCESSFUL_FUTURE()]);
    expect(it[Symbol.asyncIterator]()).toBe(it);
  });

  it('should yield the futures already done first (in input order), then the others in completion order', async () => {
    const p1 = PENDING_FUTURE();
    const p2 = RUNNING_FUTURE();
    const done1 = SUCCESSFUL_FUTURE();
    const done2 = CANCELLED_FUTURE();
    const it = asCompleted([p1, done1, p2, done2]);
    expect((await it.next()).value).toBe(done1);
    expect((await it.next()).value).toBe(done2);
    const third = it.next();
    expect(await promiseState(third)).toBe('pending');
    p2.setException(new FixtureError('p2'));
    expect((await third).value).toBe(p2);
    p1.setResult(1);
    expect((await it.next()).value).toBe(p1);
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('should follow the completion order of futures finished by timers', async () => {
    const slow = resolveAfter(PENDING_FUTURE(), 3, 60);
    const fast = resolveAfter(PENDING_FUTURE(), 1, 5);
    const middle = rejectAfter(PENDING_FUTURE(), new FixtureError('middle'), 30);
    expect(await drain(asCompleted([slow, fast, middle]))).toEqual([fast, middle, slow]);
  });

  it('should yield a failed future like any other, without throwing its exception', async () => {
    const bad = EXCEPTION_FUTURE();
    expect(await drain(asCompleted([bad]))).toEqual([bad]);
  });

  it('should yield a cancelled future at the moment it is cancelled', async () => {
    const a = PENDING_FUTURE();
    const b = PENDING_FUTURE();
    const it = asCompleted([a, b]);
    const first = it.next();
    expect(await promiseState(first)).toBe('pending');
    b.cancel();
    expect(await promiseState(first)).toBe('fulfilled');
    expect((await first).value).toBe(b);
    await it.return!();
  });

  it('should yield each distinct future once, however often it is listed', async () => {
    const a = PENDING_FUTURE();
    const b = SUCCESSFUL_FUTURE();
    const it = asCompleted([a, b, a, b, a]);
    resolveSoon(a, 1);
    expect(await drain(it)).toEqual([b, a]);
  });

  it('should end at once for an empty list', async () => {
    const next = asCompleted([]).next();
    expect(await promiseState(next)).toBe('fulfilled');
    expect(await next).toEqual({ value: undefined, done: true });
  });

  it('should serve next() calls made without awaiting, in call order', async () => {
    const a = PENDING_FUTURE();
    const b = PENDING_FUTURE();
    const it = asCompleted([a, b]);
    const calls = [it.next(), it.next(), it.next()];
    b.setResult(2);
    a.setResult(1);
    const [first, second, third] = await Promise.all(calls);
    expect([first.value, second.value]).toEqual([b, a]);
    expect(third).toEqual({ value: undefined, done: true });
  });

  // CPython's test_free_reference_yielded_future: the iterator lets go of each future it
  // handed out, so the caller's copy is the last one. Run in a child with a collector to call.
  it('should not keep a yielded future alive until the next next() (test_free_reference_yielded_future)', async () => {
    const { stdout } = await runInPlainNode(`
      require('v8').setFlagsFromString('--expose-gc');
      const gc = require('vm').runInNewContext('gc');
      const { Future } = lib('Future.ts');
      const { asCompleted } = lib('asCompleted.ts');
      // A WeakRef's target survives until the current job ends: let one turn pass before collecting.
      const collect = async () => { await new Promise((r) => setImmediate(r)); gc(); await new Promise((r) => setImmediate(r)); gc(); };
      const list = Array.from({ length: 8 }, () => new Future());
      // CPython's CANCELLED_AND_NOTIFIED and FINISHED futures, referenced by the list only.
      const make = (settle) => { const f = new Future(); settle(f); return f; };
      list.push(make((f) => f.cancel()), make((f) => f.setResult(42)));
      const it = asCompleted(list);
      const freed = [];
      // Takes one future from the iterator and returns only a WeakRef to it.
      const takeOne = async () => {
        const { value } = await it.next();
        list.splice(list.indexOf(value), 1);
        return new WeakRef(value);
      };
      while (list.length > 0) {
        const ref = await takeOne();
        await collect();
        freed.push(ref.deref() === undefined);
        list.find((f) => !f.done())?.setResult('test');
      }
      console.log(JSON.stringify(freed));
    `);
    expect(JSON.parse(stdout)).toEqual(Array(10).fill(true));
  });

  describe('timeout', () => {
    it('should throw TimeoutError with the message "N (of M) futures unfinished", counting distinct futures', async () => {
      const done = SUCCESSFUL_FUTURE();
      const p1 = PENDING_FUTURE();
      const p2 = RUNNING_FUTURE();
      const it = asCompleted([done, p1, p2, p2], { timeout: 40 });
      expect((await it.next()).value).toBe(done);
      const started = performance.now();
      const error = await it.next().catch((e: unknown) => e);
      expect(performance.now() - started).toBeGreaterThanOrEqual(30);
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error).toMatchObject({ name: 'TimeoutError', message: '2 (of 3) futures unfinished' });
      expect(p1.state).toBe('pending');
      expect(p2.state).toBe('running');
      expect(await it.next()).toEqual({ value: undefined, done: true });
    });

    it('should count the timeout from the call, not from next()', async () => {
      const it = asCompleted([PENDING_FUTURE()], { timeout: 200 });
      await elapse(250);
      const started = performance.now();
      await expect(it.next()).rejects.toThrow('1 (of 1) futures unfinished');
      expect(performance.now() - started).toBeLessThan(150);
    });

    it('should still yield futures that finished before the deadline was noticed, then throw', async () => {
      const early = resolveAfter(PENDING_FUTURE(), 1, 5);
      const never = PENDING_FUTURE();
      const it = asCompleted([never, early], { timeout: 30 });
      await elapse(80);
      expect((await it.next()).value).toBe(early);
      await expect(it.next()).rejects.toThrow(new TimeoutError('1 (of 2) futures unfinished'));
    });

    it('should throw at once with timeout 0 when a future is not done, after those already done', async () => {
      const done = SUCCESSFUL_FUTURE();
      const it = asCompleted([done, PENDING_FUTURE()], { timeout: 0 });
      expect((await it.next()).value).toBe(done);
      await expect(it.next()).rejects.toThrow('1 (of 2) futures unfinished');
    });

    it('should not throw when every future completes before the deadline', async () => {
      const fs = [resolveAfter(PENDING_FUTURE(), 1, 10), resolveSoon(PENDING_FUTURE(), 2)];
      expect(new Set(await drain(asCompleted(fs, { timeout: 10_000 })))).toEqual(new Set(fs));
    });

    it('should treat Infinity as no timeout', async () => {
      expect(await drain(asCompleted([resolveAfter(PENDING_FUTURE(), 1, 10)], { timeout: Infinity }))).toHaveLength(1);
    });
  });

  describe('return', () => {
    it('should stop cleanly on break, leaving the other futures alone', async () => {
      const a = SUCCESSFUL_FUTURE();
      const b = PENDING_FUTURE();
      const it = asCompleted([a, b]);
      for await (const f of it) {
        expect(f).toBe(a);
        break;
      }
      expect(b.state).toBe('pending');
      b.setResult(2);
      expect(await it.next()).toEqual({ value: undefined, done: true });
    });

    it('should end a next() that is waiting', async () => {
      const it = asCompleted([PENDING_FUTURE()], { timeout: 10_000 });
      const waiting = it.next();
      expect(await promiseState(waiting)).toBe('pending');
      await expect(it.return!()).resolves.toEqual({ value: undefined, done: true });
      await expect(waiting).resolves.toEqual({ value: undefined, done: true });
    });

    it('should drop futures done but not yet handed out', async () => {
      const it = asCompleted([SUCCESSFUL_FUTURE(), SUCCESSFUL_FUTURE()]);
      await it.next();
      await it.return!();
      expect(await it.next()).toEqual({ value: undefined, done: true });
    });
  });

  describe('input checks', () => {
    it.each([
      ['a number in the list', [42], /^asCompleted: fs\[0\] is not a Future, got number 42$/],
      ['a promise in the list', [SUCCESSFUL_FUTURE(), Promise.resolve(1)], /^asCompleted: fs\[1\] is not a Future, got object Promise$/],
      ['null instead of a list', null, /^asCompleted: fs must be an iterable of Futures, got null$/],
    ])('should throw TypeError synchronously for %s', (_label, fs, message) => {
      expect(() => asCompleted(fs as Future<number>[])).toThrow(TypeError);
      expect(() => asCompleted(fs as Future<number>[])).toThrow(message);
    });

    it.each([
      ['negative', -1],
      ['NaN', NaN],
    ])('should throw RangeError synchronously for a %s timeout', (_label, timeout) => {
      expect(() => asCompleted([PENDING_FUTURE()], { timeout })).toThrow(RangeError);
    });
  });
});
