import { Future } from '../lib/Future';
import { ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION, wait, type ReturnWhen } from '../lib/wait';
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
} from './helpers/futures';

const RETURN_WHENS: ReturnWhen[] = [FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED];

/** The split as sorted labels, so failures read well. */
function labels(split: { done: Set<Future<number>>; notDone: Set<Future<number>> }, names: Map<Future<number>, string>) {
  const name = (s: Set<Future<number>>) => [...s].map((f) => names.get(f) ?? '?').sort();
  return { done: name(split.done), notDone: name(split.notDone) };
}

/** @test {wait} */
describe('wait', () => {
  it('should export the three returnWhen constants with their Python names', () => {
    expect([FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED]).toEqual(['FIRST_COMPLETED', 'FIRST_EXCEPTION', 'ALL_COMPLETED']);
  });

  describe('ALL_COMPLETED', () => {
    it('should be the default and resolve once every future is done', async () => {
      const a = PENDING_FUTURE();
      const b = RUNNING_FUTURE();
      const c = PENDING_FUTURE();
      const names = new Map([[a, 'a'], [b, 'b'], [c, 'c']]);
      const waiting = wait([a, b, c]);
      a.setResult(1);
      b.setException(new FixtureError('b failed'));
      expect(await promiseState(waiting)).toBe('pending');
      c.cancel();
      expect(labels(await waiting, names)).toEqual({ done: ['a', 'b', 'c'], notDone: [] });
    });

    it('should resolve with futures finished by timers', async () => {
      const fs = [resolveAfter(PENDING_FUTURE(), 1, 30), rejectAfter(RUNNING_FUTURE(), new FixtureError('x'), 10), resolveSoon(PENDING_FUTURE(), 3)];
      const { done, notDone } = await wait(fs, { returnWhen: ALL_COMPLETED });
      expect(done).toEqual(new Set(fs));
      expect(notDone.size).toBe(0);
      expect(fs.every((f) => f.done())).toBe(true);
    });

    it('should resolve at once when every future is already done', async () => {
      const fs = [SUCCESSFUL_FUTURE(), EXCEPTION_FUTURE(), CANCELLED_FUTURE()];
      const waiting = wait(fs);
      expect(await promiseState(waiting)).toBe('fulfilled');
      expect((await waiting).done).toEqual(new Set(fs));
    });

    it('should resolve with the split at the timeout, without rejecting, and leave the futures untouched', async () => {
      const finished = SUCCESSFUL_FUTURE();
      const late = PENDING_FUTURE();
      const names = new Map([[finished, 'finished'], [late, 'late']]);
      const started = performance.now();
      const split = await wait([finished, late], { timeout: 50 });
      const elapsed = performance.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(45);
      expect(elapsed).toBeLessThan(5000);
      expect(labels(split, names)).toEqual({ done: ['finished'], notDone: ['late'] });
      expect(late.state).toBe('pending');
      late.setResult(2);
      expect(split.notDone.has(late)).toBe(true); // the split is a snapshot
    });

    it('should not wait for the timeout when every future completes first', async () => {
      const f = resolveSoon(PENDING_FUTURE(), 1);
      const started = performance.now();
      await wait([f], { timeout: 10_000 });
      expect(performance.now() - started).toBeLessThan(5000);
    });
  });

  describe('FIRST_COMPLETED', () => {
    it('should resolve when the first future finishes', async () => {
      const a = PENDING_FUTURE();
      const b = PENDING_FUTURE();
      const names = new Map([[a, 'a'], [b, 'b']]);
      const waiting = wait([a, b], { returnWhen: FIRST_COMPLETED });
      expect(await promiseState(waiting)).toBe('pending');
      b.setResult(2);
      expect(labels(await waiting, names)).toEqual({ done: ['b'], notDone: ['a'] });
    });

    it('should resolve when the first future fails', async () => {
      const a = PENDING_FUTURE();
      const b = rejectAfter(RUNNING_FUTURE(), new FixtureError('b'), 10);
      const { done, notDone } = await wait([a, b], { returnWhen: FIRST_COMPLETED });
      expect(done).toEqual(new Set([b]));
      expect(notDone).toEqual(new Set([a]));
    });

    it('should resolve when a future is cancelled, at the moment it is cancelled', async () => {
      const a = PENDING_FUTURE();
      const b = RUNNING_FUTURE();
      b.setInterruptHandler(() => undefined);
      const waiting = wait([a, b], { returnWhen: FIRST_COMPLETED });
      expect(await promiseState(waiting)).toBe('pending');
      b.cancel({ interrupt: true });
      expect(await promiseState(waiting)).toBe('fulfilled');
      expect((await waiting).done).toEqual(new Set([b]));
    });

    it('should resolve at once when some futures are already done (CPython test_first_completed_some_already_completed)', async () => {
      const pending = PENDING_FUTURE();
      const waiting = wait([SUCCESSFUL_FUTURE(), CANCELLED_FUTURE(), pending], { returnWhen: FIRST_COMPLETED });
      expect(await promiseState(waiting)).toBe('fulfilled');
      const { done, notDone } = await waiting;
      expect(done.size).toBe(2);
      expect(notDone).toEqual(new Set([pending]));
    });

    it('should include every future done by the time it resolves', async () => {
      const a = PENDING_FUTURE();
      const b = PENDING_FUTURE();
      const c = PENDING_FUTURE();
      const waiting = wait([a, b, c], { returnWhen: FIRST_COMPLETED });
      a.setResult(1);
      b.setResult(2);
      const { done, notDone } = await waiting;
      expect(done).toEqual(new Set([a, b]));
      expect(notDone).toEqual(new Set([c]));
    });

    it('should resolve with nothing done at the timeout', async () => {
      const a = PENDING_FUTURE();
      const b = RUNNING_FUTURE();
      const started = performance.now();
      const { done, notDone } = await wait([a, b], { returnWhen: FIRST_COMPLETED, timeout: 40 });
      expect(performance.now() - started).toBeGreaterThanOrEqual(35);
      expect(done.size).toBe(0);
      expect(notDone).toEqual(new Set([a, b]));
    });

    it('should resolve before the timeout when a future completes', async () => {
      const a = resolveAfter(PENDING_FUTURE(), 1, 10);
      const started = performance.now();
      const { done } = await wait([a, PENDING_FUTURE()], { returnWhen: FIRST_COMPLETED, timeout: 10_000 });
      expect(performance.now() - started).toBeLessThan(5000);
      expect(done).toEqual(new Set([a]));
    });
  });

  describe('FIRST_EXCEPTION', () => {
    it('should resolve at the first exception', async () => {
      const ok = PENDING_FUTURE();
      const bad = PENDING_FUTURE();
      const other = PENDING_FUTURE();
      const waiting = wait([ok, bad, other], { returnWhen: FIRST_EXCEPTION });
      ok.setResult(1);
      expect(await promiseState(waiting)).toBe('pending');
      bad.setException(new FixtureError('bad'));
      const { done, notDone } = await waiting;
      expect(done).toEqual(new Set([ok, bad]));
      expect(notDone).toEqual(new Set([other]));
    });

    it('should not count a cancelled future as an exception', async () => {
      const cancelled = PENDING_FUTURE();
      const other = PENDING_FUTURE();
      const waiting = wait([cancelled, other], { returnWhen: FIRST_EXCEPTION });
      cancelled.cancel();
      expect(await promiseState(waiting)).toBe('pending');
      other.setResult(2);
      expect((await waiting).done).toEqual(new Set([cancelled, other]));
    });

    it('should wait for all when nothing fails', async () => {
      const fs = [resolveAfter(PENDING_FUTURE(), 1, 20), resolveSoon(RUNNING_FUTURE(), 2)];
      const { done, notDone } = await wait(fs, { returnWhen: FIRST_EXCEPTION });
      expect(done).toEqual(new Set(fs));
      expect(notDone.size).toBe(0);
    });

    it('should resolve at once when a future has already failed (CPython test_first_exception_one_already_failed)', async () => {
      const failed = EXCEPTION_FUTURE();
      const pending = PENDING_FUTURE();
      const waiting = wait([pending, failed], { returnWhen: FIRST_EXCEPTION });
      expect(await promiseState(waiting)).toBe('fulfilled');
      const { done, notDone } = await waiting;
      expect(done).toEqual(new Set([failed]));
      expect(notDone).toEqual(new Set([pending]));
    });

    it('should keep waiting when the futures already done succeeded or were cancelled (CPython test_first_exception_some_already_complete)', async () => {
      const pending = PENDING_FUTURE();
      const waiting = wait([SUCCESSFUL_FUTURE(), CANCELLED_FUTURE(), pending], { returnWhen: FIRST_EXCEPTION });
      expect(await promiseState(waiting)).toBe('pending');
      pending.setException(new FixtureError('late'));
      expect((await waiting).notDone.size).toBe(0);
    });

    it('should count a thrown undefined as an exception, whether it happened before or during the wait', async () => {
      const before = new Future<number>();
      before.setException(undefined);
      const pending = PENDING_FUTURE();
      await expect(promiseState(wait([before, pending], { returnWhen: FIRST_EXCEPTION }))).resolves.toBe('fulfilled');

      const during = PENDING_FUTURE();
      const waiting = wait([during, pending], { returnWhen: FIRST_EXCEPTION });
      during.setException(undefined);
      expect((await waiting).notDone).toEqual(new Set([pending]));
    });

    it('should resolve with the split at the timeout', async () => {
      const ok = SUCCESSFUL_FUTURE();
      const pending = PENDING_FUTURE();
      const started = performance.now();
      const { done, notDone } = await wait([ok, pending], { returnWhen: FIRST_EXCEPTION, timeout: 40 });
      expect(performance.now() - started).toBeGreaterThanOrEqual(35);
      expect(done).toEqual(new Set([ok]));
      expect(notDone).toEqual(new Set([pending]));
    });
  });

  describe.each(RETURN_WHENS)('with %s', (returnWhen) => {
    it('should resolve at once with empty sets for an empty list', async () => {
      const waiting = wait([], { returnWhen });
      expect(await promiseState(waiting)).toBe('fulfilled');
      const { done, notDone } = await waiting;
      expect(done).toEqual(new Set());
      expect(notDone).toEqual(new Set());
    });

    it('should resolve at once for an empty list even with a timeout', async () => {
      expect(await promiseState(wait([], { returnWhen, timeout: 10_000 }))).toBe('fulfilled');
    });

    it('should count a duplicated future once', async () => {
      const a = PENDING_FUTURE();
      const b = PENDING_FUTURE();
      const waiting = wait([a, a, b, a], { returnWhen });
      a.setResult(1);
      b.setResult(2);
      const { done, notDone } = await waiting;
      expect([...done]).toHaveLength(2);
      expect(done).toEqual(new Set([a, b]));
      expect(notDone.size).toBe(0);
    });

    it('should count cancelled futures as done from the moment they are cancelled', async () => {
      const a = PENDING_FUTURE();
      const b = PENDING_FUTURE();
      const waiting = wait([a, b], { returnWhen });
      a.cancel();
      b.cancel();
      expect(await promiseState(waiting)).toBe('fulfilled');
      expect((await waiting).done).toEqual(new Set([a, b]));
    });

    it('should resolve at once with the split for timeout 0', async () => {
      const done = SUCCESSFUL_FUTURE();
      const pending = PENDING_FUTURE();
      const waiting = wait([done, pending], { returnWhen, timeout: 0 });
      expect(await promiseState(waiting)).toBe('fulfilled');
      expect(await waiting).toEqual({ done: new Set([done]), notDone: new Set([pending]) });
    });

    it('should accept any iterable, such as a Set or a generator', async () => {
      const a = SUCCESSFUL_FUTURE();
      const b = EXCEPTION_FUTURE();
      function* gen() {
        yield a;
        yield b;
      }
      expect((await wait(new Set([a, b]), { returnWhen })).done).toEqual(new Set([a, b]));
      expect((await wait(gen(), { returnWhen })).done).toEqual(new Set([a, b]));
    });
  });

  describe('input checks', () => {
    it.each([
      ['a number', [SUCCESSFUL_FUTURE(), 42], /^wait: fs\[1\] is not a Future, got number 42$/],
      ['a promise (thenable but not a Future)', [Promise.resolve(1)], /^wait: fs\[0\] is not a Future, got object Promise$/],
      ['undefined', [undefined], /fs\[0\] is not a Future, got undefined/],
    ])('should reject (not throw) with TypeError for %s in the list', async (_label, fs, message) => {
      let waiting!: Promise<unknown>;
      expect(() => (waiting = wait(fs as Future<number>[]))).not.toThrow();
      const error = await waiting.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(message);
    });

    it.each([null, undefined, 42, {}])('should reject with TypeError when fs is %p', async (fs) => {
      await expect(wait(fs as unknown as Future<number>[])).rejects.toThrow(/^wait: fs must be an iterable of Futures/);
    });

    it('should reject with RangeError for an unknown returnWhen', async () => {
      let waiting!: Promise<unknown>;
      expect(() => (waiting = wait([PENDING_FUTURE()], { returnWhen: 'FIRST_FINISHED' as ReturnWhen }))).not.toThrow();
      const error = await waiting.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RangeError);
      expect((error as Error).message).toMatch(/options\.returnWhen must be FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED, got FIRST_FINISHED/);
    });

    it.each([
      ['negative', -1],
      ['NaN', NaN],
    ])('should reject with RangeError for a %s timeout', async (_label, timeout) => {
      await expect(wait([PENDING_FUTURE()], { timeout })).rejects.toThrow(RangeError);
      await expect(wait([PENDING_FUTURE()], { timeout })).rejects.toThrow(/options\.timeout must be >= 0/);
    });

    it('should reject with TypeError for a timeout that is not a number', async () => {
      await expect(wait([PENDING_FUTURE()], { timeout: '5' as unknown as number })).rejects.toThrow(TypeError);
    });
  });
});
