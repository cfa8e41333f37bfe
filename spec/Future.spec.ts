import { CancelledError, InvalidStateError, TimeoutError } from '../lib/errors';
import { Future, type FutureState } from '../lib/Future';
import {
  CANCELLED_FUTURE,
  CANONICAL_FUTURES,
  EXCEPTION_FUTURE,
  FixtureError,
  PENDING_FUTURE,
  RUNNING_FUTURE,
  SUCCESSFUL_FUTURE,
  flushTurns,
  outcomeOf,
  promiseState,
  rejectAfter,
  resolveAfter,
  resolveSoon,
  runInPlainNode,
} from './helpers/futures';

/** The status predicates of a future, side by side. */
const status = (f: Future<unknown>) => ({ state: f.state, cancelled: f.cancelled(), running: f.running(), done: f.done() });

/**
 * Collects the warnings the library emits while `body` runs, as `{ name, message }`
 * (the shape of a 'warning' event). Inside Jest a `process.on('warning')`
 * listener never hears them (each test file has its own `process` object, the
 * warning goes to the real one), so this records the `process.emitWarning`
 * calls; the real event is checked in a plain Node process below.
 */
async function collectWarnings(body: () => void | Promise<void>): Promise<Array<{ name: string; message: string }>> {
  const spy = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  try {
    await body();
    await flushTurns(2);
    return spy.mock.calls.map(([message, options]) => ({
      name: typeof options === 'string' ? options : ((options as { type?: string } | undefined)?.type ?? 'Warning'),
      message: String(message),
    }));
  } finally {
    spy.mockRestore();
  }
}

/** @test {Future} */
describe('Future', () => {
  describe('state', () => {
    it.each(CANONICAL_FUTURES.map(([label, make, state]) => [label, state, make] as const))('should report %s as %s', (_label, state, make) => {
      expect(make().state).toBe(state);
    });

    it('should start pending', () => {
      expect(status(new Future())).toEqual({ state: 'pending', cancelled: false, running: false, done: false });
    });

    it('should answer cancelled(), running() and done() as Python does in each state', () => {
      expect(status(PENDING_FUTURE())).toEqual({ state: 'pending', cancelled: false, running: false, done: false });
      expect(status(RUNNING_FUTURE())).toEqual({ state: 'running', cancelled: false, running: true, done: false });
      expect(status(CANCELLED_FUTURE())).toEqual({ state: 'cancelled', cancelled: true, running: false, done: true });
      expect(status(EXCEPTION_FUTURE())).toEqual({ state: 'finished', cancelled: false, running: false, done: true });
      expect(status(SUCCESSFUL_FUTURE())).toEqual({ state: 'finished', cancelled: false, running: false, done: true });
    });

    it('should name its state in toString()', () => {
      expect(String(RUNNING_FUTURE())).toMatch(/^<Future#\d+ state=running>$/);
    });

    it('should say what it returned or raised, as CPython\'s repr does', () => {
      expect(String(PENDING_FUTURE())).toMatch(/^<Future#\d+ state=pending>$/);
      expect(String(CANCELLED_FUTURE())).toMatch(/^<Future#\d+ state=cancelled>$/);
      expect(String(SUCCESSFUL_FUTURE())).toMatch(/^<Future#\d+ state=finished returned number>$/);
      expect(String(EXCEPTION_FUTURE(new TypeError('x')))).toMatch(/^<Future#\d+ state=finished raised TypeError>$/);
      expect(String(EXCEPTION_FUTURE())).toMatch(/^<Future#\d+ state=finished raised FixtureError>$/);
    });

    it.each<[string, unknown, string]>([
      ['a string', 'x', 'returned string'],
      ['undefined', undefined, 'returned undefined'],
      ['null', null, 'returned null'],
      ['an array', [1], 'returned Array'],
      ['a Map', new Map(), 'returned Map'],
      ['a null-prototype object', Object.create(null), 'returned Object'],
      ['a function', () => 1, 'returned Function'],
    ])('should name the type of %s it returned', (_label, value, expected) => {
      const f = new Future<unknown>();
      f.setResult(value);
      expect(String(f)).toMatch(new RegExp(`^<Future#\\d+ state=finished ${expected}>$`));
    });

    it('should never throw for a hostile result or exception', () => {
      const revoked = Proxy.revocable({}, {});
      revoked.revoke();
      const r = new Future<unknown>();
      r.setResult(revoked.proxy);
      expect(String(r)).toMatch(/^<Future#\d+ state=finished returned object>$/);
      const getter = new Future<unknown>();
      getter.setException(Object.defineProperty(new Error('x'), 'name', { get: () => { throw new Error('no name'); } }));
      expect(String(getter)).toMatch(/^<Future#\d+ state=finished raised Error>$/);
      const thrown = new Future<unknown>();
      thrown.setException(42);
      expect(String(thrown)).toMatch(/^<Future#\d+ state=finished raised number>$/);
      const long = new Future<unknown>();
      long.setException(Object.assign(new Error('x'), { name: 'E'.repeat(10_000) }));
      expect(String(long).length).toBeLessThan(120);
    });
  });

  describe('setRunningOrNotifyCancel', () => {
    it('should move a pending future to running and return true', () => {
      const f = PENDING_FUTURE();
      expect(f.setRunningOrNotifyCancel()).toBe(true);
      expect(status(f)).toEqual({ state: 'running', cancelled: false, running: true, done: false });
    });

    it('should return false for a cancelled future and leave it cancelled', () => {
      const f = CANCELLED_FUTURE();
      expect(f.setRunningOrNotifyCancel()).toBe(false);
      expect(f.setRunningOrNotifyCancel()).toBe(false);
      expect(f.state).toBe('cancelled');
    });

    it.each<[string, () => Future<number>, FutureState]>([
      ['RUNNING_FUTURE', RUNNING_FUTURE, 'running'],
      ['EXCEPTION_FUTURE', EXCEPTION_FUTURE, 'finished'],
      ['SUCCESSFUL_FUTURE', SUCCESSFUL_FUTURE, 'finished'],
    ])('should throw InvalidStateError naming the state for %s', (_label, make, state) => {
      const f = make();
      expect(() => f.setRunningOrNotifyCancel()).toThrow(InvalidStateError);
      expect(() => f.setRunningOrNotifyCancel()).toThrow(new RegExp(`^${state}: <Future#\\d+ state=${state}( (returned|raised) \\w+)?>$`));
      expect(f.state).toBe(state);
    });
  });

  describe('setResult', () => {
    it.each([
      ['PENDING_FUTURE', PENDING_FUTURE],
      ['RUNNING_FUTURE', RUNNING_FUTURE],
    ])('should finish %s with the value', (_label, make) => {
      const f = make();
      f.setResult(7);
      expect(status(f)).toEqual({ state: 'finished', cancelled: false, running: false, done: true });
      expect(f.resultNow()).toBe(7);
      expect(f.exceptionNow()).toBeUndefined();
    });

    it.each<[string, () => Future<number>, FutureState]>([
      ['CANCELLED_FUTURE', CANCELLED_FUTURE, 'cancelled'],
      ['EXCEPTION_FUTURE', EXCEPTION_FUTURE, 'finished'],
      ['SUCCESSFUL_FUTURE', SUCCESSFUL_FUTURE, 'finished'],
    ])('should throw InvalidStateError naming the state for %s and keep its outcome', (_label, make, state) => {
      const f = make();
      const before = outcomeNow(f);
      expect(() => f.setResult(1)).toThrow(InvalidStateError);
      expect(() => f.setResult(1)).toThrow(new RegExp(`^${state}: `));
      expect(f.state).toBe(state);
      expect(outcomeNow(f)).toEqual(before);
    });

    it('should refuse a second setResult (CPython test_multiple_set_result)', () => {
      const f = PENDING_FUTURE();
      f.setResult(1);
      expect(() => f.setResult(2)).toThrow(/^finished: /);
      expect(f.resultNow()).toBe(1);
    });

    it('should accept undefined as a value', () => {
      const f = new Future<undefined>();
      f.setResult(undefined);
      expect(f.done()).toBe(true);
      expect(f.resultNow()).toBeUndefined();
      expect(f.exceptionNow()).toBeUndefined();
    });
  });

  describe('setException', () => {
    it.each([
      ['PENDING_FUTURE', PENDING_FUTURE],
      ['RUNNING_FUTURE', RUNNING_FUTURE],
    ])('should finish %s with the exception', (_label, make) => {
      const f = make();
      const boom = new FixtureError('boom');
      f.setException(boom);
      expect(status(f)).toEqual({ state: 'finished', cancelled: false, running: false, done: true });
      expect(f.exceptionNow()).toBe(boom);
      expect(() => f.resultNow()).toThrow(boom);
    });

    it.each<[string, () => Future<number>, FutureState]>([
      ['CANCELLED_FUTURE', CANCELLED_FUTURE, 'cancelled'],
      ['EXCEPTION_FUTURE', EXCEPTION_FUTURE, 'finished'],
      ['SUCCESSFUL_FUTURE', SUCCESSFUL_FUTURE, 'finished'],
    ])('should throw InvalidStateError naming the state for %s and keep its outcome', (_label, make, state) => {
      const f = make();
      const before = outcomeNow(f);
      expect(() => f.setException(new Error('late'))).toThrow(InvalidStateError);
      expect(() => f.setException(new Error('late'))).toThrow(new RegExp(`^${state}: `));
      expect(f.state).toBe(state);
      expect(outcomeNow(f)).toEqual(before);
    });

    it('should refuse a second setException (CPython test_multiple_set_exception)', () => {
      const f = PENDING_FUTURE();
      const first = new FixtureError('first');
      f.setException(first);
      expect(() => f.setException(new Error('second'))).toThrow(/^finished: /);
      expect(f.exceptionNow()).toBe(first);
    });

    it('should store a thrown non-Error as it was thrown', async () => {
      const f = new Future();
      f.setException('a string');
      await expect(f.result()).rejects.toBe('a string');
      await expect(f.exception()).resolves.toBe('a string');
    });
  });

  describe('cancel', () => {
    it('should cancel a pending future and return true', () => {
      const f = PENDING_FUTURE();
      expect(f.cancel()).toBe(true);
      expect(status(f)).toEqual({ state: 'cancelled', cancelled: true, running: false, done: true });
    });

    it('should cancel a pending future with interrupt: true too, without calling a handler', () => {
      const f = PENDING_FUTURE();
      const handler = jest.fn();
      f.setInterruptHandler(handler);
      expect(f.cancel({ interrupt: true })).toBe(true);
      expect(f.state).toBe('cancelled');
      expect(handler).not.toHaveBeenCalled();
    });

    it('should return true for a future already cancelled, and not run callbacks again', () => {
      const f = PENDING_FUTURE();
      const cb = jest.fn();
      f.addDoneCallback(cb);
      expect(f.cancel()).toBe(true);
      expect(f.cancel()).toBe(true);
      expect(f.cancel({ interrupt: true })).toBe(true);
      expect(cb).toHaveBeenCalledTimes(1);
    });

    it('should leave a running future running and return false without interrupt', () => {
      const f = RUNNING_FUTURE();
      const handler = jest.fn();
      f.setInterruptHandler(handler);
      expect(f.cancel()).toBe(false);
      expect(f.cancel({ interrupt: false })).toBe(false);
      expect(f.state).toBe('running');
      expect(handler).not.toHaveBeenCalled();
    });

    it('should leave a running future running when interrupt: true but the executor set no handler', () => {
      const f = RUNNING_FUTURE();
      expect(f.cancel({ interrupt: true })).toBe(false);
      expect(f.state).toBe('running');
    });

    it('should leave a running future running when the handler was cleared', () => {
      const f = RUNNING_FUTURE();
      f.setInterruptHandler(() => undefined);
      f.setInterruptHandler(undefined);
      expect(f.cancel({ interrupt: true })).toBe(false);
      expect(f.state).toBe('running');
    });

    it('should cancel a running future with interrupt: true and a handler, calling it once after the state is cancelled', () => {
      const f = RUNNING_FUTURE();
      const seen: FutureState[] = [];
      const order: string[] = [];
      f.addDoneCallback(() => order.push('callback'));
      f.setInterruptHandler(() => {
        seen.push(f.state);
        order.push('interrupt');
      });
      expect(f.cancel({ interrupt: true })).toBe(true);
      expect(status(f)).toEqual({ state: 'cancelled', cancelled: true, running: false, done: true });
      expect(seen).toEqual(['cancelled']);
      expect(f.cancel({ interrupt: true })).toBe(true);
      expect(seen).toHaveLength(1);
      expect(order).toEqual(['callback', 'interrupt']);
    });

    it('should ignore what an interrupted task reports afterwards: setResult/setException throw InvalidStateError', () => {
      const f = RUNNING_FUTURE();
      f.setInterruptHandler(() => undefined);
      f.cancel({ interrupt: true });
      expect(() => f.setResult(1)).toThrow(/^cancelled: /);
      expect(() => f.setException(new Error('killed'))).toThrow(/^cancelled: /);
      expect(f.state).toBe('cancelled');
    });

    it('should report a throwing interrupt handler as a warning and still cancel', async () => {
      const f = RUNNING_FUTURE();
      f.setInterruptHandler(() => {
        throw new Error('cannot stop');
      });
      let returned: boolean | undefined;
      const warnings = await collectWarnings(() => {
        returned = f.cancel({ interrupt: true });
      });
      expect(returned).toBe(true);
      expect(f.state).toBe('cancelled');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ name: 'RxFuturesCallbackWarning' });
      expect(warnings[0].message).toMatch(/^rxfutures: an interrupt handler threw: Error: cannot stop/);
    });

    it.each([
      ['EXCEPTION_FUTURE', EXCEPTION_FUTURE],
      ['SUCCESSFUL_FUTURE', SUCCESSFUL_FUTURE],
    ])('should return false for %s, with or without interrupt, and keep its outcome', (_label, make) => {
      const f = make();
      const before = outcomeNow(f);
      expect(f.cancel()).toBe(false);
      expect(f.cancel({ interrupt: true })).toBe(false);
      expect(f.state).toBe('finished');
      expect(outcomeNow(f)).toEqual(before);
    });

    it('should not call an interrupt handler set on a future that finished normally', () => {
      const f = RUNNING_FUTURE();
      const handler = jest.fn();
      f.setInterruptHandler(handler);
      f.setResult(1);
      expect(f.cancel({ interrupt: true })).toBe(false);
      expect(handler).not.toHaveBeenCalled();
    });

    it('should not call an interrupt handler set after the future is done', () => {
      const f = SUCCESSFUL_FUTURE();
      const handler = jest.fn();
      f.setInterruptHandler(handler);
      expect(f.cancel({ interrupt: true })).toBe(false);
      expect(handler).not.toHaveBeenCalled();
    });
  });

  describe('result', () => {
    it('should resolve with the value of a successful future', async () => {
      await expect(SUCCESSFUL_FUTURE().result()).resolves.toBe(42);
    });

    it('should reject with the stored exception itself', async () => {
      const boom = new FixtureError('boom');
      await expect(EXCEPTION_FUTURE(boom).result()).rejects.toBe(boom);
    });

    it('should reject with CancelledError for a cancelled future', async () => {
      const error = await CANCELLED_FUTURE().result().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CancelledError);
      expect(error).toMatchObject({ name: 'CancelledError' });
    });

    it('should wait for a value set later', async () => {
      await expect(resolveAfter(RUNNING_FUTURE(), 5, 20).result()).resolves.toBe(5);
    });

    it('should wait for an exception set later', async () => {
      const boom = new FixtureError('later');
      await expect(rejectAfter(PENDING_FUTURE(), boom, 20).result()).rejects.toBe(boom);
    });

    it('should reject with CancelledError when cancelled while waited on', async () => {
      const f = PENDING_FUTURE();
      const waiting = f.result();
      setImmediate(() => f.cancel());
      await expect(waiting).rejects.toBeInstanceOf(CancelledError);
    });

    it('should let every waiter see the outcome', async () => {
      const f = resolveSoon(PENDING_FUTURE(), 3);
      await expect(Promise.all([f.result(), f.result(), f.result(10_000), f])).resolves.toEqual([3, 3, 3, 3]);
    });

    it('should reject with TimeoutError and leave the future untouched, which can still complete', async () => {
      const f = RUNNING_FUTURE();
      const started = performance.now();
      const error = await f.result(30).catch((e: unknown) => e);
      expect(performance.now() - started).toBeGreaterThanOrEqual(25);
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error).toMatchObject({ name: 'TimeoutError' });
      expect((error as Error).message).toMatch(/30 ms/);
      expect(f.state).toBe('running');
      expect(f.cancel({ interrupt: false })).toBe(false);
      f.setResult(9);
      await expect(f.result(30)).resolves.toBe(9);
    });

    it('should not time out when the future completes first', async () => {
      const f = resolveSoon(PENDING_FUTURE(), 1);
      await expect(f.result(10_000)).resolves.toBe(1);
    });

    it('should reject at once (on the next turn) with timeout 0 on a future that is not done', async () => {
      const f = PENDING_FUTURE();
      await expect(f.result(0)).rejects.toBeInstanceOf(TimeoutError);
      expect(f.state).toBe('pending');
    });

    it('should resolve with timeout 0 on a future that is done', async () => {
      await expect(SUCCESSFUL_FUTURE().result(0)).resolves.toBe(42);
    });

    it('should treat Infinity as no timeout', async () => {
      await expect(resolveAfter(PENDING_FUTURE(), 4, 10).result(Infinity)).resolves.toBe(4);
    });

    it('should not fire a timeout longer than setTimeout can hold (2^31 - 1 ms) early', async () => {
      const f = PENDING_FUTURE();
      const waiting = f.result(2 ** 31 + 1000);
      await flushTurns(2);
      await new Promise((resolve) => setTimeout(resolve, 20)); // an overflowing setTimeout fires after 1 ms
      expect(await promiseState(waiting)).toBe('pending');
      f.setResult(1);
      await expect(waiting).resolves.toBe(1);
    });

    it.each([
      ['negative', -1],
      ['NaN', NaN],
      ['-Infinity', -Infinity],
    ])('should reject (not throw) with RangeError for a %s timeout', async (_label, timeout) => {
      const f = PENDING_FUTURE();
      let promise!: Promise<number>;
      expect(() => (promise = f.result(timeout))).not.toThrow();
      const error = await promise.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RangeError);
      expect((error as Error).message).toMatch(/timeout must be >= 0/);
      expect(f.state).toBe('pending');
    });

    it('should reject with TypeError for a timeout that is not a number', async () => {
      await expect(PENDING_FUTURE().result('10' as unknown as number)).rejects.toBeInstanceOf(TypeError);
    });

    it('should time out again and again without side effects, then still deliver the result', async () => {
      // Polling with a short timeout is a common pattern.
      const f = PENDING_FUTURE();
      for (let i = 0; i < 5; i += 1) await expect(f.result(0)).rejects.toBeInstanceOf(TimeoutError);
      f.setResult(1);
      await expect(f.result(0)).resolves.toBe(1);
    });
  });

  describe('exception', () => {
    it('should resolve with undefined for a successful future', async () => {
      await expect(SUCCESSFUL_FUTURE().exception()).resolves.toBeUndefined();
    });

    it('should resolve (not reject) with the stored exception', async () => {
      const boom = new FixtureError('boom');
      await expect(EXCEPTION_FUTURE(boom).exception()).resolves.toBe(boom);
    });

    it('should reject with CancelledError for a cancelled future, as Python raises it', async () => {
      await expect(CANCELLED_FUTURE().exception()).rejects.toBeInstanceOf(CancelledError);
    });

    it('should wait for an exception set later', async () => {
      const boom = new FixtureError('later');
      await expect(rejectAfter(RUNNING_FUTURE(), boom, 20).exception()).resolves.toBe(boom);
    });

    it('should reject with TimeoutError and leave the future untouched, which can still complete', async () => {
      const f = PENDING_FUTURE();
      await expect(f.exception(20)).rejects.toBeInstanceOf(TimeoutError);
      expect(f.state).toBe('pending');
      expect(f.cancel()).toBe(true);
      await expect(f.exception(20)).rejects.toBeInstanceOf(CancelledError);
    });

    it('should reject with TimeoutError for timeout 0 on a future that is not done', async () => {
      await expect(RUNNING_FUTURE().exception(0)).rejects.toBeInstanceOf(TimeoutError);
    });

    it.each([
      ['negative', -5],
      ['NaN', NaN],
    ])('should reject (not throw) with RangeError for a %s timeout', async (_label, timeout) => {
      const f = RUNNING_FUTURE();
      let promise!: Promise<unknown>;
      expect(() => (promise = f.exception(timeout))).not.toThrow();
      await expect(promise).rejects.toBeInstanceOf(RangeError);
    });
  });

  describe('resultNow', () => {
    it.each([
      ['PENDING_FUTURE', PENDING_FUTURE, 'pending'],
      ['RUNNING_FUTURE', RUNNING_FUTURE, 'running'],
    ])('should throw InvalidStateError for %s', (_label, make, state) => {
      const f = make();
      expect(() => f.resultNow()).toThrow(InvalidStateError);
      expect(() => f.resultNow()).toThrow(new RegExp(`not done: <Future#\\d+ state=${state}>`));
    });

    it('should return the value of a successful future', () => {
      expect(SUCCESSFUL_FUTURE().resultNow()).toBe(42);
    });

    it('should throw the stored exception itself', () => {
      const boom = new FixtureError('boom');
      expect(() => EXCEPTION_FUTURE(boom).resultNow()).toThrow(boom);
    });

    it('should throw CancelledError for a cancelled future', () => {
      expect(() => CANCELLED_FUTURE().resultNow()).toThrow(CancelledError);
    });

    it.each(CANONICAL_FUTURES.filter(([, , state]) => state === 'cancelled' || state === 'finished'))(
      'should mirror result() synchronously for %s',
      async (_label, make) => {
        const f = make();
        expect(outcomeNow(f, 'resultNow')).toEqual(await outcomeOf(f.result()));
      },
    );
  });

  describe('exceptionNow', () => {
    it.each([
      ['PENDING_FUTURE', PENDING_FUTURE, 'pending'],
      ['RUNNING_FUTURE', RUNNING_FUTURE, 'running'],
    ])('should throw InvalidStateError for %s', (_label, make, state) => {
      expect(() => make().exceptionNow()).toThrow(new RegExp(`^exceptionNow\\(\\) called on a future that is not done: <Future#\\d+ state=${state}>$`));
      expect(() => make().exceptionNow()).toThrow(InvalidStateError);
    });

    it('should return undefined for a successful future', () => {
      expect(SUCCESSFUL_FUTURE().exceptionNow()).toBeUndefined();
    });

    it('should return the stored exception', () => {
      const boom = new FixtureError('boom');
      expect(EXCEPTION_FUTURE(boom).exceptionNow()).toBe(boom);
    });

    it('should throw CancelledError for a cancelled future, as exception() rejects with it', () => {
      expect(() => CANCELLED_FUTURE().exceptionNow()).toThrow(CancelledError);
    });

    it.each(CANONICAL_FUTURES.filter(([, , state]) => state === 'cancelled' || state === 'finished'))(
      'should mirror exception() synchronously for %s',
      async (_label, make) => {
        const f = make();
        expect(outcomeNow(f, 'exceptionNow')).toEqual(await outcomeOf(f.exception()));
      },
    );
  });

  describe('then', () => {
    it('should make `await future` equal to `await future.result()`', async () => {
      expect(await SUCCESSFUL_FUTURE(8)).toBe(8);
      expect(await resolveSoon(PENDING_FUTURE(), 6)).toBe(6);
      const boom = new FixtureError('boom');
      await expect((async () => await EXCEPTION_FUTURE(boom))()).rejects.toBe(boom);
      await expect((async () => await CANCELLED_FUTURE())()).rejects.toBeInstanceOf(CancelledError);
    });

    it('should chain like a promise', async () => {
      const chained = resolveSoon(PENDING_FUTURE(), 2)
        .then((v) => v * 10)
        .then((v) => `${v}!`);
      await expect(chained).resolves.toBe('20!');
    });

    it('should pass the exception to onrejected', async () => {
      const boom = new FixtureError('boom');
      await expect(EXCEPTION_FUTURE(boom).then(() => 'no', (e) => e)).resolves.toBe(boom);
    });

    it('should work with Promise.resolve, Promise.all and Promise.race', async () => {
      await expect(Promise.resolve(SUCCESSFUL_FUTURE(1))).resolves.toBe(1);
      await expect(Promise.all([SUCCESSFUL_FUTURE(1), resolveSoon(PENDING_FUTURE(), 2)])).resolves.toEqual([1, 2]);
      await expect(Promise.race([PENDING_FUTURE(), SUCCESSFUL_FUTURE(3)])).resolves.toBe(3);
    });

    it('should not change the future', async () => {
      const f = SUCCESSFUL_FUTURE(5);
      await f.then(() => {
        throw new Error('from the chain');
      }).catch(() => undefined);
      expect(f.resultNow()).toBe(5);
    });
  });

  describe('addDoneCallback', () => {
    it('should call callbacks once, in the order added, with the future, when it finishes', () => {
      const f = RUNNING_FUTURE();
      const calls: Array<[string, Future<number>, FutureState]> = [];
      f.addDoneCallback((g) => calls.push(['a', g, g.state]));
      f.addDoneCallback((g) => calls.push(['b', g, g.state]));
      f.addDoneCallback((g) => calls.push(['c', g, g.state]));
      expect(calls).toEqual([]);
      f.setResult(1);
      expect(calls).toEqual([
        ['a', f, 'finished'],
        ['b', f, 'finished'],
        ['c', f, 'finished'],
      ]);
      expect(() => f.setResult(2)).toThrow(InvalidStateError);
      expect(f.cancel()).toBe(false);
      expect(calls).toHaveLength(3);
    });

    it('should call a callback registered twice twice', () => {
      const f = PENDING_FUTURE();
      const cb = jest.fn();
      f.addDoneCallback(cb);
      f.addDoneCallback(cb);
      f.setResult(1);
      expect(cb).toHaveBeenCalledTimes(2);
    });

    it('should call callbacks with the exception stored (CPython test_done_callback_with_exception)', () => {
      const f = PENDING_FUTURE();
      const boom = new FixtureError('boom');
      let seen: unknown;
      f.addDoneCallback((g) => (seen = g.exceptionNow()));
      f.setException(boom);
      expect(seen).toBe(boom);
    });

    it('should call callbacks when the future is cancelled (CPython test_done_callback_with_cancel)', () => {
      const f = PENDING_FUTURE();
      const cb = jest.fn((g: Future<number>) => g.cancelled());
      f.addDoneCallback(cb);
      expect(f.cancel()).toBe(true);
      expect(cb).toHaveBeenCalledTimes(1);
      expect(cb).toHaveReturnedWith(true);
    });

    it('should call callbacks when a running future is interrupted', () => {
      const f = RUNNING_FUTURE();
      const cb = jest.fn();
      f.addDoneCallback(cb);
      f.setInterruptHandler(() => undefined);
      f.cancel({ interrupt: true });
      expect(cb).toHaveBeenCalledTimes(1);
    });

    it.each(CANONICAL_FUTURES.filter(([, , state]) => state === 'cancelled' || state === 'finished'))(
      'should call the callback at once (synchronously) when %s is already done',
      (_label, make) => {
        const f = make();
        const cb = jest.fn();
        f.addDoneCallback(cb);
        expect(cb).toHaveBeenCalledTimes(1);
        expect(cb).toHaveBeenCalledWith(f);
      },
    );

    it('should not call callbacks for setRunningOrNotifyCancel', () => {
      const f = PENDING_FUTURE();
      const cb = jest.fn();
      f.addDoneCallback(cb);
      f.setRunningOrNotifyCancel();
      expect(cb).not.toHaveBeenCalled();
    });

    it('should run a callback added by a callback at once, since the future is already done', () => {
      const f = PENDING_FUTURE();
      const order: string[] = [];
      f.addDoneCallback(() => {
        order.push('first');
        f.addDoneCallback(() => order.push('nested'));
      });
      f.addDoneCallback(() => order.push('second'));
      f.setResult(1);
      expect(order).toEqual(['first', 'nested', 'second']);
    });

    it('should report a throwing callback as an RxFuturesCallbackWarning and still run the others', async () => {
      const f = PENDING_FUTURE();
      const after = jest.fn();
      f.addDoneCallback(() => {
        throw new Error('callback bug');
      });
      f.addDoneCallback(after);
      const warnings = await collectWarnings(() => f.setResult(1));
      expect(after).toHaveBeenCalledTimes(1);
      expect(f.resultNow()).toBe(1);
      expect(warnings).toHaveLength(1);
      expect(warnings[0].name).toBe('RxFuturesCallbackWarning');
      expect(warnings[0].message).toMatch(/^rxfutures: a done callback threw: Error: callback bug/);
    });

    it('should report a callback that throws a non-Error', async () => {
      const warnings = await collectWarnings(() =>
        SUCCESSFUL_FUTURE().addDoneCallback(() => {
          throw 'plain string';
        }),
      );
      expect(warnings.map((w) => [w.name, w.message])).toEqual([['RxFuturesCallbackWarning', 'rxfutures: a done callback threw: plain string']]);
    });

    it('should report a callback that throws something that cannot be turned into a string', async () => {
      const f = PENDING_FUTURE();
      const after = jest.fn();
      f.addDoneCallback(() => {
        throw Object.create(null);
      });
      f.addDoneCallback(after);
      const warnings = await collectWarnings(() => f.setResult(1));
      expect(after).toHaveBeenCalledTimes(1);
      expect(warnings).toEqual([{ name: 'RxFuturesCallbackWarning', message: 'rxfutures: a done callback threw: [object Object]' }]);
    });

    it('should report a throwing callback on an already done future instead of throwing from addDoneCallback', async () => {
      const f = EXCEPTION_FUTURE();
      const warnings = await collectWarnings(() => {
        expect(() =>
          f.addDoneCallback(() => {
            throw new Error('late bug');
          }),
        ).not.toThrow();
      });
      expect(warnings).toHaveLength(1);
    });

    it('should not let a throwing callback break setResult, cancel or the waiters', async () => {
      const f = PENDING_FUTURE();
      f.addDoneCallback(() => {
        throw new Error('bug');
      });
      const waiting = expect(f.result()).rejects.toBeInstanceOf(CancelledError);
      const warnings = await collectWarnings(() => {
        expect(f.cancel()).toBe(true);
      });
      await waiting;
      expect(warnings).toHaveLength(1);
    });

    it('should report the rejection of an async callback as a warning, not an unhandled rejection', async () => {
      const f = PENDING_FUTURE();
      const after = jest.fn();
      f.addDoneCallback(async () => {
        await null;
        throw new Error('async callback bug');
      });
      f.addDoneCallback(after);
      const warnings = await collectWarnings(() => f.setResult(1));
      expect(after).toHaveBeenCalledTimes(1);
      expect(warnings).toHaveLength(1);
      expect(warnings[0].name).toBe('RxFuturesCallbackWarning');
      expect(warnings[0].message).toMatch(/^rxfutures: a done callback rejected: Error: async callback bug/);
    });

    it('should ignore what a callback returns otherwise, even a failed Future', async () => {
      const warnings = await collectWarnings(() => SUCCESSFUL_FUTURE().addDoneCallback(() => EXCEPTION_FUTURE() as unknown as void));
      expect(warnings).toEqual([]);
    });

    it('should throw TypeError for a non-function', () => {
      expect(() => PENDING_FUTURE().addDoneCallback(42 as never)).toThrow(TypeError);
    });

    it("should emit a real 'warning' event of type RxFuturesCallbackWarning in plain Node, and run the other callbacks", async () => {
      const { stdout } = await runInPlainNode(`
        const { Future } = lib('Future');
        const seen = [];
        process.on('warning', (w) => seen.push({ name: w.name, message: w.message.split('\\n')[0] }));
        const f = new Future();
        f.addDoneCallback(() => { throw new Error('callback bug'); });
        f.addDoneCallback(() => seen.push('second callback ran'));
        f.setResult(1);
        await new Promise((r) => setImmediate(r));
        console.log(JSON.stringify({ seen, result: f.resultNow() }));
      `);
      expect(JSON.parse(stdout)).toEqual({
        seen: ['second callback ran', { name: 'RxFuturesCallbackWarning', message: 'rxfutures: a done callback threw: Error: callback bug' }],
        result: 1,
      });
    });
  });

  describe('removeDoneCallback', () => {
    it('should remove every registration of the callback and return how many', () => {
      const f = PENDING_FUTURE();
      const removed = jest.fn();
      const kept = jest.fn();
      f.addDoneCallback(removed);
      f.addDoneCallback(kept);
      f.addDoneCallback(removed);
      expect(f.removeDoneCallback(removed)).toBe(2);
      expect(f.removeDoneCallback(removed)).toBe(0);
      f.setResult(1);
      expect(removed).not.toHaveBeenCalled();
      expect(kept).toHaveBeenCalledTimes(1);
    });

    it('should return 0 for a callback never added, or after the future is done', () => {
      const f = PENDING_FUTURE();
      const cb = jest.fn();
      expect(f.removeDoneCallback(cb)).toBe(0);
      f.addDoneCallback(cb);
      f.setResult(1);
      expect(f.removeDoneCallback(cb)).toBe(0);
    });
  });
});

/** What a done future's synchronous accessor gives: a value, or what it throws. */
function outcomeNow(f: Future<unknown>, method: 'resultNow' | 'exceptionNow' = 'resultNow'): { value: unknown } | { error: unknown } {
  try {
    return { value: f[method]() };
  } catch (error) {
    return { error };
  }
}
