import { Future } from '../../lib/Future';
import { kAddWaiter, kRemoveWaiter } from '../../lib/internal/symbols';
import { AllCompletedWaiter, AsCompletedWaiter, FirstCompletedWaiter, startTimer, type Waiter } from '../../lib/internal/waiters';
import { PENDING_FUTURE, RUNNING_FUTURE, SUCCESSFUL_FUTURE, flushTurns } from '../helpers/futures';

/** A waiter that records which method each future called. */
function recorder(): Waiter & { calls: Array<[string, Future<unknown>]> } {
  const calls: Array<[string, Future<unknown>]> = [];
  return {
    calls,
    addResult: (f) => calls.push(['addResult', f as Future<unknown>]),
    addException: (f) => calls.push(['addException', f as Future<unknown>]),
    addCancelled: (f) => calls.push(['addCancelled', f as Future<unknown>]),
  };
}

/** @test {Waiter} */
describe('waiters', () => {
  describe('Future waiter protocol', () => {
    it('should tell a waiter once, with the method matching how the future ended', () => {
      const [ok, bad, cancelled, interrupted] = [PENDING_FUTURE(), RUNNING_FUTURE(), PENDING_FUTURE(), RUNNING_FUTURE()];
      const w = recorder();
      for (const f of [ok, bad, cancelled, interrupted]) f[kAddWaiter](w);
      ok.setResult(1);
      bad.setException(undefined);
      cancelled.cancel();
      interrupted.setInterruptHandler(() => undefined);
      interrupted.cancel({ interrupt: true });
      cancelled.cancel();
      expect(w.calls).toEqual([
        ['addResult', ok],
        ['addException', bad],
        ['addCancelled', cancelled],
        ['addCancelled', interrupted],
      ]);
    });

    it('should tell the waiters before the done callbacks run, with the state already set', () => {
      const f = PENDING_FUTURE();
      const order: string[] = [];
      f.addDoneCallback(() => order.push('callback'));
      f[kAddWaiter]({
        addResult: (g) => order.push(`waiter ${(g as Future<unknown>).state}`),
        addException: () => order.push('wrong'),
        addCancelled: () => order.push('wrong'),
      });
      f.setResult(1);
      expect(order).toEqual(['waiter finished', 'callback']);
    });

    it('should not tell a removed waiter, nor tell anyone on setRunningOrNotifyCancel', () => {
      const f = PENDING_FUTURE();
      const w = recorder();
      f[kAddWaiter](w);
      f.setRunningOrNotifyCancel();
      f[kRemoveWaiter](w);
      f.setResult(1);
      expect(w.calls).toEqual([]);
    });
  });

  describe('FirstCompletedWaiter', () => {
    it('should fire on every future that ends and collect them', () => {
      const onEvent = jest.fn();
      const w = new FirstCompletedWaiter(onEvent);
      const [a, b] = [PENDING_FUTURE(), PENDING_FUTURE()];
      a[kAddWaiter](w);
      b[kAddWaiter](w);
      b.cancel();
      a.setException(new Error('x'));
      expect(onEvent).toHaveBeenCalledTimes(2);
      expect(w.finished).toEqual([b, a]);
    });
  });

  describe('AllCompletedWaiter', () => {
    it('should fire once every pending future has ended, cancelled ones included', () => {
      const onEvent = jest.fn();
      const fs = [PENDING_FUTURE(), PENDING_FUTURE(), RUNNING_FUTURE()];
      const w = new AllCompletedWaiter(fs.length, false, onEvent);
      fs.forEach((f) => f[kAddWaiter](w));
      fs[0].setException(new Error('x'));
      fs[1].cancel();
      expect(onEvent).not.toHaveBeenCalled();
      fs[2].setResult(1);
      expect(onEvent).toHaveBeenCalledTimes(1);
    });

    it('should fire at the first exception with stopOnException (FIRST_EXCEPTION), but not at a cancel', () => {
      const onEvent = jest.fn();
      const fs = [PENDING_FUTURE(), PENDING_FUTURE(), PENDING_FUTURE()];
      const w = new AllCompletedWaiter(fs.length, true, onEvent);
      fs.forEach((f) => f[kAddWaiter](w));
      fs[0].cancel();
      fs[1].setResult(1);
      expect(onEvent).not.toHaveBeenCalled();
      fs[2].setException(new Error('first'));
      expect(onEvent).toHaveBeenCalledTimes(1);
    });
  });

  describe('AsCompletedWaiter', () => {
    it('should hand over each future as it ends', () => {
      const seen: Future<unknown>[] = [];
      const w = new AsCompletedWaiter((f) => seen.push(f as Future<unknown>));
      const [a, b, c] = [PENDING_FUTURE(), RUNNING_FUTURE(), PENDING_FUTURE()];
      [a, b, c].forEach((f) => f[kAddWaiter](w));
      c.cancel();
      b.setException(new Error('b'));
      a.setResult(1);
      expect(seen).toEqual([c, b, a]);
    });
  });

  describe('startTimer', () => {
    it('should call fn once after the delay', async () => {
      const done = new Future<number>();
      const started = performance.now();
      startTimer(30, () => done.setResult(performance.now() - started));
      expect(await done).toBeGreaterThanOrEqual(25);
    });

    it('should not call fn once stopped', async () => {
      const fn = jest.fn();
      const stop = startTimer(0, fn);
      stop();
      await flushTurns(3);
      expect(fn).not.toHaveBeenCalled();
    });

    it('should never call fn for Infinity, and stopping it is harmless', async () => {
      const fn = jest.fn();
      startTimer(Infinity, fn)();
      await flushTurns(3);
      expect(fn).not.toHaveBeenCalled();
    });

    it('should not fire early for a delay beyond what setTimeout holds (2^31 - 1 ms)', async () => {
      const fn = jest.fn();
      const stop = startTimer(2 ** 31 + 10, fn);
      await new Promise((resolve) => setTimeout(resolve, 20)); // an overflowing setTimeout fires after 1 ms
      expect(fn).not.toHaveBeenCalled();
      stop();
    });

    it('should re-arm across the 2^31 - 1 ms limit and fire at the full delay', () => {
      // The only fake-timer test: 24.8 days cannot pass in real time.
      jest.useFakeTimers();
      try {
        const fn = jest.fn();
        startTimer(2 ** 31 - 1 + 500, fn);
        jest.advanceTimersByTime(2 ** 31 - 1);
        expect(fn).not.toHaveBeenCalled();
        jest.advanceTimersByTime(499);
        expect(fn).not.toHaveBeenCalled();
        jest.advanceTimersByTime(1);
        expect(fn).toHaveBeenCalledTimes(1);
      } finally {
        jest.useRealTimers();
      }
    });
  });

  it('should let a done future ignore new waiters (they are never told)', () => {
    const w = recorder();
    SUCCESSFUL_FUTURE()[kAddWaiter](w);
    expect(w.calls).toEqual([]);
  });
});
