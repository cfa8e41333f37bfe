import fc from 'fast-check';
import { VirtualTimeScheduler, type Observable, type OperatorFunction } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  ALL_COMPLETED,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  Future,
  asCompleted,
  mapOrdered$,
  mapUnordered$,
  wait,
  type DoneAndNotDone,
  type FutureState,
  type ReturnWhen,
} from '../../lib';
import { VirtualExecutor, type VirtualLogEntry } from '../../lib/testing';

// fast-check prints the seed and the shrunk counterexample of a failing run; replay with
// `fc.assert(…, { seed, path })`. Runs are kept modest: the whole file takes a few seconds.
const kRuns = 150;

/** One macrotask turn: every promise that can settle now has settled (in-process code only). */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// ── part 1: the Future state machine, plain futures and a VirtualExecutor's ──────────────────

type Op =
  | { kind: 'newFuture' }
  | { kind: 'submit'; x: number; d: number; fail: boolean }
  | { kind: 'setRunning'; i: number }
  | { kind: 'setHandler'; i: number }
  | { kind: 'setResult'; i: number; v: number }
  | { kind: 'setException'; i: number; v: number }
  | { kind: 'cancel'; i: number; interrupt: boolean }
  | { kind: 'addDoneCallback'; i: number }
  | { kind: 'result'; i: number }
  | { kind: 'wait'; is: number[]; returnWhen: ReturnWhen }
  | { kind: 'asCompleted'; is: number[] }
  | { kind: 'pull'; k: number }
  | { kind: 'advance'; frames: number }
  | { kind: 'shutdown'; wait: boolean; cancelFutures: boolean };

const index = fc.nat({ max: 30 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'newFuture' as const }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('submit' as const), x: fc.nat({ max: 99 }), d: fc.integer({ min: 1, max: 4 }), fail: fc.boolean() }), weight: 8 },
  { arbitrary: fc.record({ kind: fc.constant('setRunning' as const), i: index }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('setHandler' as const), i: index }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('setResult' as const), i: index, v: fc.nat({ max: 99 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('setException' as const), i: index, v: fc.nat({ max: 99 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('cancel' as const), i: index, interrupt: fc.boolean() }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('addDoneCallback' as const), i: index }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('result' as const), i: index }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant('wait' as const),
      is: fc.array(index, { maxLength: 5 }),
      returnWhen: fc.constantFrom<ReturnWhen>(FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant('asCompleted' as const), is: fc.array(index, { maxLength: 5 }) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('pull' as const), k: index }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('advance' as const), frames: fc.integer({ min: 1, max: 4 }) }), weight: 6 },
  // Rare: after it, every submit throws ShutdownError.
  { arbitrary: fc.record({ kind: fc.constant('shutdown' as const), wait: fc.boolean(), cancelFutures: fc.boolean() }), weight: 1 },
);

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** The model of one future, and what the real one did. */
interface Model {
  readonly future: Future<number>;
  readonly owner: 'plain' | 'executor';
  /** Executor calls: the call's id in executor.log, its argument, duration and whether it throws. */
  readonly call?: { id: number; x: number; d: number; fail: boolean };
  state: FutureState;
  outcome?: Outcome;
  /** Plain futures: an interrupt handler is set (executor futures get one when they start). */
  handler: boolean;
  handlerCallsExpected: number;
  handlerCalls: number;
  /** Callback ids in the order added, and the ids the real future called back, with the state each saw. */
  readonly callbacks: number[];
  readonly fired: number[];
  readonly seen: FutureState[];
}

/** A pending promise observed from outside. */
interface Watched<T> {
  settled?: { ok: true; value: T } | { ok: false; error: unknown };
}
function watch<T>(promise: Promise<T>): Watched<T> {
  const w: Watched<T> = {};
  promise.then(
    (value) => (w.settled = { ok: true, value }),
    (error: unknown) => (w.settled = { ok: false, error }),
  );
  return w;
}

/** The very error set (identity), or one matching an asymmetric matcher (the executor's rebuilt ones). */
function expectSame(actual: unknown, expected: unknown): void {
  if (expected instanceof Error) expect(actual).toBe(expected);
  else expect(actual).toEqual(expected);
}

const isDone = (s: FutureState): boolean => s === 'cancelled' || s === 'finished';
const failed = (m: Model): boolean => m.state === 'finished' && m.outcome?.ok === false;

/** The Future state machine (SPEC §1) and the executor invariants, checked step by step. */
async function runModel(maxWorkers: number, ops: Op[]): Promise<void> {
  const scheduler = new VirtualTimeScheduler();
  const executor = new VirtualExecutor({
    scheduler,
    maxWorkers,
    duration: (_task, args) => args[1] as number,
  });
  const task = (x: number, _d: number, fail: boolean): number => {
    if (fail) throw new Error(`fail ${x}`);
    return x * 2;
  };
  const models: Model[] = [];
  const plain = (): Model[] => models.filter((m) => m.owner === 'plain');
  // Futures in the order they became done (the model's view of completion order).
  const completions: Model[] = [];
  const results: Array<{ m: Model; w: Watched<number> }> = [];
  const waits: Array<{ ms: Model[]; returnWhen: ReturnWhen; w: Watched<DoneAndNotDone<number>>; expected?: Set<Model> }> = [];
  const iterators: Array<{ it: AsyncIterableIterator<Future<number>>; sequence: Model[]; members: Set<Model>; pulls: Watched<IteratorResult<Future<number>>>[] }> = [];
  const shutdowns: Array<{ wait: boolean; w: Watched<void> }> = [];
  let isShutdown = false;
  let nextCallback = 1;

  const adopt = (future: Future<number>, owner: Model['owner'], call?: Model['call']): Model => {
    const m: Model = { future, owner, call, state: 'pending', handler: false, handlerCallsExpected: 0, handlerCalls: 0, callbacks: [], fired: [], seen: [] };
    future.addDoneCallback(() => completions.push(m));
    models.push(m);
    return m;
  };
  // Futures have only private fields, so toEqual would find any two alike: compare by model index.
  const ids = (ms: Iterable<Model>): number[] => [...ms].map((m) => models.indexOf(m));
  const futureIds = (fs: Iterable<Future<number>>): number[] => [...fs].map((f) => models.findIndex((m) => m.future === f)).sort((a, b) => a - b);
  const at = <T>(list: T[], i: number): T | undefined => (list.length === 0 ? undefined : list[i % list.length]);
  // What the model expects a transition to done to do: callbacks fire, in order.
  const end = (m: Model, state: 'cancelled' | 'finished', outcome?: Outcome): void => {
    m.state = state;
    m.outcome = outcome;
  };

  for (const op of ops) {
    const before = completions.length;
    // The futures the model expects to become done during this op, in order (not for advance).
    const expectDone: Model[] = [];
    const snapshot = new Map(models.map((m) => [m, m.state]));
    switch (op.kind) {
      case 'newFuture':
        adopt(new Future<number>(), 'plain');
        break;
      case 'submit': {
        if (isShutdown) {
          expect(() => executor.submit(task, op.x, op.d, op.fail)).toThrow(expect.objectContaining({ name: 'ShutdownError' }));
          break;
        }
        const id = models.filter((m) => m.owner === 'executor').length + 1;
        adopt(executor.submit(task, op.x, op.d, op.fail), 'executor', { id, x: op.x, d: op.d, fail: op.fail });
        break;
      }
      case 'setRunning': {
        const m = at(plain(), op.i);
        if (m === undefined) break;
        if (m.state === 'pending') {
          expect(m.future.setRunningOrNotifyCancel()).toBe(true);
          m.state = 'running';
        } else if (m.state === 'cancelled') {
          expect(m.future.setRunningOrNotifyCancel()).toBe(false);
        } else {
          expect(() => m.future.setRunningOrNotifyCancel()).toThrow(expect.objectContaining({ name: 'InvalidStateError' }));
        }
        break;
      }
      case 'setHandler': {
        const m = at(plain(), op.i);
        if (m === undefined) break;
        m.future.setInterruptHandler(() => (m.handlerCalls += 1));
        if (!isDone(m.state)) m.handler = true;
        break;
      }
      case 'setResult':
      case 'setException': {
        const m = at(plain(), op.i);
        if (m === undefined) break;
        const outcome: Outcome = op.kind === 'setResult' ? { ok: true, value: op.v } : { ok: false, error: new Error(`exception ${op.v}`) };
        const set = () => (outcome.ok ? m.future.setResult(op.v) : m.future.setException((outcome as { error: unknown }).error));
        if (isDone(m.state)) {
          expect(set).toThrow(expect.objectContaining({ name: 'InvalidStateError', message: `${m.state}: ${m.future}` }));
        } else {
          set();
          end(m, 'finished', outcome);
          m.handler = false;
          expectDone.push(m);
        }
        break;
      }
      case 'cancel': {
        const m = at(models, op.i);
        if (m === undefined) break;
        const answer = m.future.cancel({ interrupt: op.interrupt });
        const canInterrupt = m.owner === 'executor' || m.handler;
        if (m.state === 'pending' || (m.state === 'running' && op.interrupt && canInterrupt)) {
          expect(answer).toBe(true);
          if (m.state === 'running' && m.owner === 'plain') m.handlerCallsExpected += 1;
          end(m, 'cancelled');
          m.handler = false;
          expectDone.push(m);
        } else {
          expect(answer).toBe(m.state === 'cancelled');
        }
        break;
      }
      case 'addDoneCallback': {
        const m = at(models, op.i);
        if (m === undefined) break;
        const id = nextCallback++;
        m.callbacks.push(id);
        m.future.addDoneCallback((f) => {
          m.fired.push(id);
          m.seen.push(f.state);
        });
        break;
      }
      case 'result': {
        const m = at(models, op.i);
        if (m !== undefined) results.push({ m, w: watch(m.future.result()) });
        break;
      }
      case 'wait': {
        const ms = [...new Set(op.is.map((i) => at(models, i)).filter((m): m is Model => m !== undefined))];
        waits.push({ ms, returnWhen: op.returnWhen, w: watch(wait(ms.map((m) => m.future), { returnWhen: op.returnWhen })) });
        break;
      }
      case 'asCompleted': {
        const ms = [...new Set(op.is.map((i) => at(models, i)).filter((m): m is Model => m !== undefined))];
        iterators.push({
          it: asCompleted(ms.map((m) => m.future)),
          // Those done at the call first (in the order given), then in completion order.
          sequence: ms.filter((m) => isDone(m.state)),
          members: new Set(ms.filter((m) => !isDone(m.state))),
          pulls: [],
        });
        break;
      }
      case 'pull': {
        const iterator = at(iterators, op.k);
        if (iterator !== undefined) iterator.pulls.push(watch(iterator.it.next()));
        break;
      }
      case 'advance':
        // A no-op action at now + frames makes the clock get there even when nothing else is due.
        scheduler.schedule(() => undefined, op.frames);
        scheduler.maxFrames = scheduler.frame + op.frames;
        scheduler.flush();
        break;
      case 'shutdown': {
        const w = watch(executor.shutdown({ wait: op.wait, cancelFutures: op.cancelFutures }));
        shutdowns.push({ wait: op.wait, w });
        isShutdown = true;
        if (op.cancelFutures) {
          for (const m of models) {
            if (m.owner === 'executor' && m.state === 'pending') {
              end(m, 'cancelled');
              expectDone.push(m);
            }
          }
        }
        break;
      }
    }
    await flush();

    const newlyDone = completions.slice(before);
    if (op.kind === 'advance') {
      // The executor moved its futures: only legal moves, and plain futures did not move.
      for (const m of models) {
        const was = snapshot.get(m);
        const now = m.future.state;
        if (m.owner === 'plain' || was === undefined) {
          expect(now).toBe(m.state);
          continue;
        }
        const legal: Record<FutureState, FutureState[]> = { pending: ['pending', 'running', 'finished'], running: ['running', 'finished'], cancelled: ['cancelled'], finished: ['finished'] };
        expect(legal[was]).toContain(now);
        m.state = now;
        if (now === 'finished') {
          m.outcome = m.call!.fail ? { ok: false, error: expect.objectContaining({ message: `fail ${m.call!.x}` }) } : { ok: true, value: m.call!.x * 2 };
        }
      }
      expect(ids(newlyDone).sort((a, b) => a - b)).toEqual(ids(models.filter((m) => snapshot.has(m) && isDone(m.state) && !isDone(snapshot.get(m)!))));
      // Work-conserving: a call waits only while every worker is busy.
      const running = models.filter((m) => m.owner === 'executor' && m.state === 'running').length;
      if (models.some((m) => m.owner === 'executor' && m.state === 'pending')) expect(running).toBe(maxWorkers);
    } else {
      expect(ids(newlyDone)).toEqual(ids(expectDone));
    }
    for (const iterator of iterators) {
      for (const m of newlyDone) {
        if (iterator.members.delete(m)) iterator.sequence.push(m);
      }
    }

    // Every future is in the model's state, answers as that state, and called back as expected.
    for (const m of models) {
      expect(m.future.state).toBe(m.state);
      expect([m.future.done(), m.future.cancelled(), m.future.running()]).toEqual([isDone(m.state), m.state === 'cancelled', m.state === 'running']);
      expect(m.fired).toEqual(isDone(m.state) ? m.callbacks : []);
      expect(m.seen.every((s) => s === m.state)).toBe(true);
      expect(m.handlerCalls).toBe(m.handlerCallsExpected);
      if (m.state === 'finished') {
        if (m.outcome!.ok) expect(m.future.resultNow()).toEqual(m.outcome!.value);
        else expectSame(m.future.exceptionNow(), (m.outcome as { error: unknown }).error);
      } else if (m.state === 'cancelled') {
        expect(() => m.future.resultNow()).toThrow(expect.objectContaining({ name: 'CancelledError' }));
      } else {
        expect(() => m.future.resultNow()).toThrow(expect.objectContaining({ name: 'InvalidStateError' }));
      }
    }
    // result(): settled once done, with the value, the exception or CancelledError.
    for (const { m, w } of results) {
      if (!isDone(m.state)) {
        expect(w.settled).toBeUndefined();
      } else if (m.state === 'cancelled') {
        expect(w.settled).toEqual({ ok: false, error: expect.objectContaining({ name: 'CancelledError' }) });
      } else {
        expect(w.settled?.ok).toBe(m.outcome!.ok);
        if (m.outcome!.ok) expect((w.settled as { value: unknown }).value).toEqual(m.outcome!.value);
        else expectSame((w.settled as { error: unknown }).error, (m.outcome as { error: unknown }).error);
      }
    }
    // wait(): resolves once its condition holds, with the split of that moment.
    for (const entry of waits) {
      const { ms, returnWhen } = entry;
      const holds =
        ms.length === 0 ||
        ms.every((m) => isDone(m.state)) ||
        (returnWhen === FIRST_COMPLETED && ms.some((m) => isDone(m.state))) ||
        (returnWhen === FIRST_EXCEPTION && ms.some(failed));
      if (holds && entry.expected === undefined) entry.expected = new Set(ms.filter((m) => isDone(m.state)));
      if (entry.expected === undefined) {
        expect(entry.w.settled).toBeUndefined();
      } else {
        expect(entry.w.settled?.ok).toBe(true);
        const { done, notDone } = (entry.w.settled as { value: DoneAndNotDone<number> }).value;
        expect(futureIds(done)).toEqual(ids(entry.expected).sort((a, b) => a - b));
        expect(futureIds(notDone)).toEqual(ids(ms.filter((m) => !entry.expected!.has(m))).sort((a, b) => a - b));
      }
    }
    // asCompleted(): the n-th next() gets the n-th future of its sequence, or the end once all are out.
    for (const { sequence, members, pulls } of iterators) {
      pulls.forEach((w, n) => {
        if (n < sequence.length) {
          expect(w.settled).toEqual({ ok: true, value: { value: expect.any(Future), done: false } });
          expect((w.settled as { value: IteratorResult<Future<number>> }).value.value).toBe(sequence[n].future);
        }
        else if (members.size === 0) expect(w.settled).toEqual({ ok: true, value: { value: undefined, done: true } });
        else expect(w.settled).toBeUndefined();
      });
    }
    // shutdown(): wait: false resolves at once; wait: true once no executor call is pending or running.
    const idle = models.every((m) => m.owner === 'plain' || isDone(m.state));
    for (const s of shutdowns) expect(s.w.settled?.ok === true).toBe(!s.wait || idle);
    expect(models.filter((m) => m.owner === 'executor' && m.state === 'running').length).toBeLessThanOrEqual(maxWorkers);
  }

  // The end: shut down, run the clock out, and check the executor's own record.
  const closing = watch(executor.shutdown());
  scheduler.maxFrames = Infinity;
  scheduler.flush();
  await flush();
  expect(closing.settled?.ok).toBe(true);
  const calls = models.filter((m) => m.owner === 'executor');
  expect(calls.every((m) => m.future.done())).toBe(true);
  const log = executor.log;
  const started = log.filter((e) => e.event === 'started').map((e) => e.id);
  expect(started).toEqual([...started].sort((a, b) => a - b)); // FIFO
  for (const m of calls) {
    const events = log.filter((e) => e.id === m.call!.id);
    const terminal = events.filter((e) => e.event !== 'submitted' && e.event !== 'started');
    expect(terminal).toHaveLength(1);
    const start = events.find((e) => e.event === 'started');
    const { event, time } = terminal[0];
    if (m.future.cancelled()) {
      expect(event).toBe(start === undefined ? 'cancelled' : 'interrupted');
    } else {
      expect(event).toBe(m.call!.fail ? 'failed' : 'finished');
      expect(time - start!.time).toBe(m.call!.d);
      if (m.call!.fail) expect((m.future.exceptionNow() as Error).message).toBe(`fail ${m.call!.x}`);
      else expect(m.future.resultNow()).toBe(m.call!.x * 2);
    }
  }
}

// ── part 2: random marble sources through mapOrdered$ / mapUnordered$ ─────────────────────

interface Item {
  readonly i: number;
  readonly d: number;
  readonly fail: boolean;
}

interface Pipeline {
  maxWorkers: number;
  groups: Array<{ gap: number; items: Array<{ d: number; fail: boolean }> }>;
  end: { gap: number; kind: 'complete' | 'error' | 'never' };
  unsubscribeAt: number | null;
  buffersize: number | undefined;
  interrupt: boolean;
}

const pipelineArb: fc.Arbitrary<Pipeline> = fc.record({
  maxWorkers: fc.integer({ min: 1, max: 3 }),
  groups: fc.array(
    fc.record({
      gap: fc.nat({ max: 3 }),
      // About one call in ten throws.
      items: fc.array(fc.record({ d: fc.integer({ min: 1, max: 5 }), fail: fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 }) }), {
        minLength: 1,
        maxLength: 3,
      }),
    }),
    { maxLength: 5 },
  ),
  end: fc.record({ gap: fc.nat({ max: 3 }), kind: fc.constantFrom<'complete' | 'error' | 'never'>('complete', 'complete', 'error', 'never') }),
  unsubscribeAt: fc.option(fc.nat({ max: 30 }), { freq: 3 }),
  buffersize: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  interrupt: fc.boolean(),
});

/** Runs one pipeline in TestScheduler.run and checks what mapOrdered$ / mapUnordered$ promise. */
function runPipeline(p: Pipeline, ordered: boolean): void {
  const testScheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  const items: Item[] = [];
  const values: Record<string, Item> = {};
  let marble = '';
  for (const g of p.groups) {
    const chars = g.items.map((it) => {
      const item: Item = { i: items.length, d: it.d, fail: it.fail };
      const c = String.fromCharCode(97 + items.length);
      values[c] = item;
      items.push(item);
      return c;
    });
    marble += '-'.repeat(g.gap) + (chars.length > 1 ? `(${chars.join('')})` : chars[0]);
  }
  marble += '-'.repeat(p.end.gap) + (p.end.kind === 'complete' ? '|' : p.end.kind === 'error' ? '#' : '');

  const executor = new VirtualExecutor({ scheduler: testScheduler, maxWorkers: p.maxWorkers, duration: (_t, args) => (args[0] as Item).d });
  const task = (item: Item): number => {
    if (item.fail) throw new Error(`fail ${item.i}`);
    return item.i * 10;
  };
  const operator: (e: VirtualExecutor) => OperatorFunction<Item, number> = (e) =>
    (ordered ? mapOrdered$ : mapUnordered$)(e, task, { buffersize: p.buffersize, interrupt: p.interrupt });
  const emitted: Array<{ frame: number; value: number }> = [];
  let ended: { frame: number; kind: 'complete' | 'error'; error?: unknown } | undefined;
  let closedAt = Infinity;

  testScheduler.run(({ cold }) => {
    const source: Observable<Item> = cold(marble, values, new Error('source failed'));
    const subscription = source.pipe(operator(executor)).subscribe({
      next: (value) => emitted.push({ frame: testScheduler.now(), value }),
      error: (error) => {
        ended = { frame: testScheduler.now(), kind: 'error', error };
        closedAt = Math.min(closedAt, testScheduler.now());
      },
      complete: () => {
        ended = { frame: testScheduler.now(), kind: 'complete' };
        closedAt = Math.min(closedAt, testScheduler.now());
      },
    });
    if (p.unsubscribeAt !== null) {
      testScheduler.schedule(() => {
        if (!subscription.closed) closedAt = Math.min(closedAt, testScheduler.now());
        subscription.unsubscribe();
      }, p.unsubscribeAt);
    }
  });

  const log: readonly VirtualLogEntry[] = executor.log;
  const itemOf = (e: VirtualLogEntry): Item => e.args[0] as Item;
  const submitted = log.filter((e) => e.event === 'submitted');
  const finishedAt = new Map(log.filter((e) => e.event === 'finished' || e.event === 'failed').map((e) => [e.id, e.time]));
  const failFirst = log.find((e) => e.event === 'failed');

  // Calls are submitted in source order, and each ends exactly once (nothing is left pending or running).
  expect(submitted.map((e) => itemOf(e).i)).toEqual(items.slice(0, submitted.length).map((it) => it.i));
  for (const e of submitted) {
    expect(log.filter((x) => x.id === e.id && !['submitted', 'started'].includes(x.event))).toHaveLength(1);
  }
  // Nothing is submitted or started after the stream closed; with interrupt, nothing ends normally after it either.
  for (const e of log) {
    if (e.time <= closedAt) continue;
    expect(['submitted', 'started']).not.toContain(e.event);
    if (p.interrupt) expect(['finished', 'failed']).not.toContain(e.event);
  }
  // At most buffersize calls submitted and not yet emitted.
  const window = p.buffersize ?? 2 * p.maxWorkers;
  submitted.forEach((e, k) => {
    const emittedBy = emitted.filter((x) => x.frame <= e.time).length;
    expect(k + 1 - emittedBy).toBeLessThanOrEqual(window);
  });

  const results = items.map((it) => it.i * 10);
  if (ordered) {
    // Source order, each result as soon as it and every result before it are in.
    expect(emitted.map((x) => x.value)).toEqual(results.slice(0, emitted.length));
    emitted.forEach((x, k) => {
      const due = Math.max(...submitted.slice(0, k + 1).map((e) => finishedAt.get(e.id)!));
      expect(x.frame).toBe(due);
    });
  } else {
    // Completion order, each result the moment its call finishes.
    const finishedInOrder = log.filter((e) => e.event === 'finished');
    expect(emitted.map((x) => x.value)).toEqual(finishedInOrder.slice(0, emitted.length).map((e) => itemOf(e).i * 10));
    emitted.forEach((x, k) => expect(x.frame).toBe(finishedInOrder[k].time));
  }

  const firstFailing = items.find((it) => it.fail);
  if (ended?.kind === 'complete') {
    expect(p.end.kind).toBe('complete');
    expect(firstFailing).toBeUndefined();
    // The same multiset of results; in order where promised.
    if (ordered) expect(emitted.map((x) => x.value)).toEqual(results);
    else expect(emitted.map((x) => x.value).sort((a, b) => a - b)).toEqual(results);
  } else if (ended?.kind === 'error') {
    const message = (ended.error as Error).message;
    if (message === 'source failed') {
      expect(p.end.kind).toBe('error');
    } else if (ordered) {
      // The first failing call in source order, at its position.
      expect(message).toBe(`fail ${firstFailing!.i}`);
      expect(emitted.map((x) => x.value)).toEqual(results.slice(0, firstFailing!.i));
    } else {
      // The first failing call in completion order.
      expect(message).toBe(`fail ${itemOf(failFirst!).i}`);
    }
  } else if (p.unsubscribeAt === null && p.end.kind === 'complete' && firstFailing === undefined) {
    throw new Error(`the stream should have completed: ${marble}`);
  }
}

/** @test {Future} {VirtualExecutor} {mapOrdered$} {mapUnordered$} against models (fast-check) */
describe('model-based properties', () => {
  it('should follow the Future state machine through random submit/cancel/interrupt/set*/callback/wait/asCompleted/shutdown sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.array(opArb, { minLength: 10, maxLength: 50, size: 'max' }), (maxWorkers, ops) => runModel(maxWorkers, ops)),
      { numRuns: 100 },
    );
  });

  it.each([
    ['mapOrdered$', true],
    ['mapUnordered$', false],
  ])('%s should keep its promises for random marble sources, failures and unsubscribes on VirtualExecutor', (_name, ordered) => {
    fc.assert(
      fc.property(pipelineArb, (p) => runPipeline(p, ordered as boolean)),
      { numRuns: kRuns },
    );
  });
});
