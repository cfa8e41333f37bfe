import path from 'node:path';
import { from, type Subscription } from 'rxjs';
import {
  Future,
  ThreadPoolExecutor,
  mapOrdered$,
  submit$,
  taskModule,
  wait,
  type Executor,
  type MapOptions,
  type ShutdownOptions,
  type StreamTaskLike,
  type TaskLike,
} from '../../lib';
import { within } from '../helpers/within';
import { Prng, seedFromEnv } from './prng';
import { verbose } from '../helpers/verbose';

const tasks = taskModule<typeof import('../fixtures/reliabilityTasks')>(path.join(__dirname, '../fixtures/reliabilityTasks.ts'));

const SEED = seedFromEnv();
// Futures the storm creates at least (mapOrdered$ subscriptions left running add a few more).
const TOTAL = 10_000;
// Each interrupt of a running call terminates a worker (~30–50 ms): a budget, not a rate.
const DIRECT_INTERRUPTS = 20;
const UNSUBSCRIBE_INTERRUPTS = 20;

type Via = 'submit' | 'submit$' | 'mapOrdered$';

/** One future of the storm and what was seen of it. */
interface Tracked {
  readonly future: Future<number>;
  readonly x: number;
  readonly via: Via;
  /** The state each done callback saw, one entry per call, per callback. */
  readonly calls: Array<{ seen: string[] }>;
  /** Someone asked for it to be cancelled: cancel() on it, or an unsubscribe or error of its subscription. */
  asked?: boolean;
}

/** One subscription of the storm and its notifications. */
interface Sub {
  readonly kind: 'submit$' | 'mapOrdered$';
  readonly inputs: number[];
  readonly interrupt: boolean;
  readonly futures: Tracked[];
  readonly values: number[];
  completes: number;
  errors: unknown[];
  unsubscribed: boolean;
  subscription?: Subscription;
  /** Resolves at its terminal notification or when the storm unsubscribes it. */
  ended: Promise<void>;
  end: () => void;
}

/**
 * An Executor over the storm's pool that records every future the
 * operators submit, tagged with the subscription that submitted it.
 */
class RecordingExecutor implements Executor {
  constructor(
    readonly pool: ThreadPoolExecutor,
    readonly record: (future: Future<number>, x: number) => void,
  ) {}

  get maxWorkers(): number {
    return this.pool.maxWorkers;
  }

  submit<A extends unknown[], R>(task: TaskLike<A, R>, ...args: A): Future<Awaited<R>> {
    const future = this.pool.submit(task, ...args);
    this.record(future as unknown as Future<number>, args[0] as number);
    return future;
  }

  map<T, R>(task: TaskLike<[T], R>, items: Iterable<T> | AsyncIterable<T>, options?: MapOptions): AsyncIterableIterator<Awaited<R>> {
    return this.pool.map(task, items, options);
  }

  stream<A extends unknown[], Y>(task: StreamTaskLike<A, Y>, ...args: A): AsyncIterableIterator<Y> {
    return this.pool.stream(task, ...args);
  }

  shutdown(options?: ShutdownOptions): Promise<void> {
    return this.pool.shutdown(options);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.pool.shutdown();
  }
}

/** What `cancel(options)` must answer for a future in `state` (SPEC §1). */
function expectedCancel(state: string, interrupt: boolean): boolean {
  if (state === 'pending' || state === 'cancelled') return true;
  if (state === 'running') return interrupt;
  return false;
}

/** @test {ThreadPoolExecutor} under a storm of submits, cancels and unsubscribes */
describe(`storm (seed ${SEED}; rerun with RELIABILITY_SEED=${SEED})`, () => {
  let pool: ThreadPoolExecutor | undefined;
  afterEach(async () => {
    await pool?.shutdown({ cancelFutures: true });
    pool = undefined;
  });

  it('should end every one of 10,000 futures exactly once, fire every done callback once, and leave no worker busy', async () => {
    const rng = new Prng(SEED);
    pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const thePool = pool;
    const tracked: Tracked[] = [];
    const subs: Sub[] = [];
    const badCancels: string[] = [];
    let directInterruptsLeft = DIRECT_INTERRUPTS;
    let unsubscribeInterruptsLeft = UNSUBSCRIBE_INTERRUPTS;
    let workerInterrupts = 0;

    const addCallback = (t: Tracked): void => {
      const call = { seen: [] as string[] };
      t.calls.push(call);
      t.future.addDoneCallback((f) => call.seen.push(f.state));
    };
    const track = (future: Future<number>, x: number, via: Via): Tracked => {
      const t: Tracked = { future, x, via, calls: [] };
      tracked.push(t);
      addCallback(t);
      return t;
    };
    const newSub = (kind: Sub['kind'], inputs: number[], interrupt: boolean): Sub => {
      let end!: () => void;
      const ended = new Promise<void>((resolve) => (end = resolve));
      const sub: Sub = { kind, inputs, interrupt, futures: [], values: [], completes: 0, errors: [], unsubscribed: false, ended, end };
      subs.push(sub);
      return sub;
    };
    const observe = (sub: Sub) => ({
      next: (v: number) => sub.values.push(v),
      error: (e: unknown) => {
        sub.errors.push(e);
        sub.end();
      },
      complete: () => {
        sub.completes += 1;
        sub.end();
      },
    });
    // cancel() checked against the state just before (nothing else runs in between).
    const cancel = (t: Tracked, interrupt: boolean): void => {
      t.asked = true;
      const before = t.future.state;
      const answer = t.future.cancel(interrupt ? { interrupt: true } : undefined);
      if (answer !== expectedCancel(before, interrupt)) badCancels.push(`${before} cancel(interrupt=${interrupt}) → ${answer}`);
      if (before === 'running' && interrupt) workerInterrupts += 1;
    };

    let step = 0;
    while (tracked.length < TOTAL) {
      step += 1;
      // The first step submits: the other actions pick among the futures there are.
      const r = tracked.length === 0 ? 0 : rng.next();
      if (r < 0.55) {
        // A burst of direct submits.
        for (let n = 1 + rng.int(60); n > 0; n--) {
          const x = tracked.length;
          track(thePool.submit(tasks.work, x, rng.int(20_000)), x, 'submit');
        }
      } else if (r < 0.7) {
        // submit$ subscriptions: each submits one call on subscribe.
        for (let n = 1 + rng.int(10); n > 0; n--) {
          const x = tracked.length;
          const sub = newSub('submit$', [x], true);
          const executor = new RecordingExecutor(thePool, (f, arg) => sub.futures.push(track(f, arg, 'submit$')));
          sub.subscription = submit$(executor, tasks.busy, x).subscribe(observe(sub));
        }
      } else if (r < 0.8) {
        // A mapOrdered$ subscription over up to 100 values (4 in flight at a time).
        const base = tracked.length;
        const inputs = Array.from({ length: 1 + rng.int(100) }, (_, i) => base + i);
        const sub = newSub('mapOrdered$', inputs, rng.chance(0.3));
        const executor = new RecordingExecutor(thePool, (f, arg) => sub.futures.push(track(f, arg, 'mapOrdered$')));
        sub.subscription = from(inputs)
          .pipe(mapOrdered$(executor, tasks.busy, { interrupt: sub.interrupt }))
          .subscribe(observe(sub));
      } else if (r < 0.88) {
        // cancel() on random recent futures of any origin (most older ones are done);
        // cancel({ interrupt: true }) on some, within budget.
        const recent = tracked.slice(-400);
        for (let n = 1 + rng.int(40); n > 0; n--) {
          const t = rng.pick(recent);
          let interrupt = rng.chance(0.2);
          if (interrupt && t.future.state === 'running') {
            if (directInterruptsLeft === 0) interrupt = false;
            else directInterruptsLeft -= 1;
          }
          cancel(t, interrupt);
        }
      } else if (r < 0.9) {
        // cancel({ interrupt: true }) on a call that is running right now, while the budget lasts.
        const running = tracked.slice(-1000).filter((t) => t.future.state === 'running');
        if (running.length > 0 && directInterruptsLeft > 0) {
          directInterruptsLeft -= 1;
          cancel(rng.pick(running), true);
        }
      } else if (r < 0.95) {
        // Unsubscribe random live subscriptions: that cancels their unfinished calls (interrupting
        // running ones unless interrupt: false), within the interrupt budget.
        const live = subs.filter((s) => !s.unsubscribed && s.completes === 0 && s.errors.length === 0);
        for (let n = 1 + rng.int(5); n > 0 && live.length > 0; n--) {
          const sub = live.splice(rng.int(live.length), 1)[0];
          const running = sub.futures.filter((t) => t.future.state === 'running').length;
          const cost = sub.interrupt ? running : 0;
          if (cost > unsubscribeInterruptsLeft) continue;
          unsubscribeInterruptsLeft -= cost;
          workerInterrupts += cost;
          sub.unsubscribed = true;
          sub.subscription!.unsubscribe();
          sub.end();
        }
      } else {
        // Late done callbacks: on futures still pending or running, or already done (then at once).
        const recent = tracked.slice(-400);
        for (let n = 1 + rng.int(20); n > 0; n--) addCallback(rng.pick(rng.chance(0.8) ? recent : tracked));
      }
      // Let the pool make progress now and then: a turn of the event loop, or the end of a random recent call.
      if (rng.chance(0.3)) await new Promise((resolve) => setImmediate(resolve));
      if (step % 40 === 0) await within(wait([rng.pick(tracked.slice(-200)).future]), 10_000, 'a random future of the storm');
    }

    // The storm is over: the subscriptions left running end by themselves, and so does every future.
    await within(
      Promise.all(subs.map((s) => s.ended)),
      20_000,
      `the end of ${subs.filter((s) => !s.unsubscribed && s.completes + s.errors.length === 0).length} subscriptions`,
    );
    let settled = 0;
    while (settled < tracked.length) {
      settled = tracked.length;
      await within(wait(tracked.map((t) => t.future)), 20_000, `the end of ${tracked.length} futures`);
    }

    // A subscription that ended early cancelled what it had submitted; nothing else was cancelled.
    for (const sub of subs) if (sub.unsubscribed || sub.errors.length > 0) for (const t of sub.futures) t.asked = true;
    const cancelledUnasked = tracked.filter((t) => t.future.cancelled() && !t.asked);
    expect(cancelledUnasked.map((t) => `${t.via} x=${t.x} ${t.future}`)).toEqual([]);

    // Every future ended exactly once, in one terminal state, and every callback saw that state once.
    expect(badCancels).toEqual([]);
    expect(tracked.length).toBeGreaterThanOrEqual(TOTAL);
    expect(new Set(tracked.map((t) => t.future)).size).toBe(tracked.length);
    const notDone = tracked.filter((t) => !t.future.done());
    expect(notDone.map((t) => `${t.via} ${t.future}`)).toEqual([]);
    const wrongCallbacks = tracked.filter((t) => t.calls.some((c) => c.seen.length !== 1 || c.seen[0] !== t.future.state));
    expect(wrongCallbacks.map((t) => `${t.future}: ${JSON.stringify(t.calls.map((c) => c.seen))}`)).toEqual([]);

    // The counts add up; nothing failed (the tasks do not throw and no worker died but by interrupt).
    const finished = tracked.filter((t) => t.future.state === 'finished');
    const cancelled = tracked.filter((t) => t.future.state === 'cancelled');
    expect(finished.length + cancelled.length).toBe(tracked.length);
    const wrongResults = finished.filter((t) => {
      try {
        return t.future.resultNow() !== t.x * 2;
      } catch {
        return true;
      }
    });
    expect(wrongResults.map((t) => `${t.via} x=${t.x}: ${String(t.future.exceptionNow())}`)).toEqual([]);
    expect(thePool.stats.queued).toBe(0);

    // Subscriptions: exactly one terminal notification unless unsubscribed, and results as promised.
    for (const sub of subs) {
      const expected = sub.inputs.map((x) => x * 2);
      expect(sub.completes + sub.errors.length).toBeLessThanOrEqual(1);
      if (!sub.unsubscribed) expect(sub.completes + sub.errors.length).toBe(1);
      if (sub.completes === 1) expect(sub.values).toEqual(expected);
      else expect(sub.values).toEqual(expected.slice(0, sub.values.length));
      for (const error of sub.errors) expect((error as Error).name).toBe('CancelledError');
      if (sub.unsubscribed) expect(sub.futures.every((t) => t.future.done())).toBe(true);
    }

    // No worker is left busy: shutdown({ wait: true }) resolves, and the pool's counts agree with the futures'.
    await within(thePool.shutdown({ wait: true }), 20_000, 'shutdown after the storm');
    expect(thePool.stats).toMatchObject({ queued: 0, running: 0, workers: 0, completed: finished.length });

    const count = (via: Via) => tracked.filter((t) => t.via === via).length;
    verbose(
      `storm seed ${SEED}: ${tracked.length} futures (submit ${count('submit')}, submit$ ${count('submit$')}, mapOrdered$ ${count('mapOrdered$')}), ` +
        `${finished.length} finished, ${cancelled.length} cancelled, ${workerInterrupts} running calls interrupted, ` +
        `${subs.length} subscriptions (${subs.filter((s) => s.unsubscribed).length} unsubscribed)`,
    );
  });
});
