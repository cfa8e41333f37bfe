/**
 * The iterator `VirtualExecutor.stream` returns. It is an async iterator
 * like every executor's stream, and also an interop Observable
 * (`Symbol.observable`): `stream$` subscribes to that side, so yielded
 * values reach subscribers synchronously in virtual time, where a promise
 * could never resolve during `TestScheduler.run`.
 */
import { observable, type Observer, type Subscribable, type Unsubscribable } from 'rxjs';

/** What the producer sends: a value, the error, or the end. */
export type StreamNote<Y> = { kind: 'N'; value: Y } | { kind: 'E'; error: unknown } | { kind: 'C' };

type Pull<Y> = { resolve: (r: IteratorResult<Y>) => void; reject: (e: unknown) => void };

/** @internal One consumer: async iteration or one subscription, not both. */
export class VirtualStream<Y> implements AsyncIterableIterator<Y> {
  // Notes produced before anyone asked for them.
  readonly #notes: StreamNote<Y>[] = [];
  // next() calls waiting for a note.
  readonly #pulls: Pull<Y>[] = [];
  // The producer sent its error or end.
  #ended = false;
  // The consumer is gone (return(), unsubscribe, or it saw the end).
  #closed = false;
  // The subscriber, when consumed as an Observable.
  #observer: Partial<Observer<Y>> | undefined;

  /** @param stop - cancels (pending) or interrupts (running) the generator task */
  constructor(private readonly stop: () => void) {}

  /** Producer side: one notification. */
  push(note: StreamNote<Y>): void {
    if (this.#closed || this.#ended) return;
    if (note.kind !== 'N') this.#ended = true;
    if (this.#observer !== undefined) return this.#deliver(note);
    const pull = this.#pulls.shift();
    if (pull === undefined) this.#notes.push(note);
    else this.#answer(note, pull);
  }

  next(): Promise<IteratorResult<Y>> {
    if (this.#closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      const note = this.#notes.shift();
      if (note === undefined) this.#pulls.push({ resolve, reject });
      else this.#answer(note, { resolve, reject });
    });
  }

  /** The consumer leaves: a generator that has not ended is interrupted. */
  return(): Promise<IteratorResult<Y>> {
    this.#close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The interop Observable side (what RxJS `from()` looks for). */
  [observable](): Subscribable<Y> {
    return {
      subscribe: (observer: Partial<Observer<Y>>): Unsubscribable => {
        this.#observer = observer;
        for (const note of this.#notes.splice(0)) this.#deliver(note);
        return { unsubscribe: () => this.#close() };
      },
    };
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#notes.length = 0;
    for (const pull of this.#pulls.splice(0)) pull.resolve({ value: undefined, done: true });
    if (!this.#ended) this.stop();
  }

  #deliver(note: StreamNote<Y>): void {
    const observer = this.#observer!;
    if (note.kind === 'N') return observer.next?.(note.value);
    this.#closed = true;
    if (note.kind === 'E') observer.error?.(note.error);
    else observer.complete?.();
  }

  #answer(note: StreamNote<Y>, pull: Pull<Y>): void {
    if (note.kind === 'N') return pull.resolve({ value: note.value, done: false });
    this.#closed = true;
    if (note.kind === 'E') pull.reject(note.error);
    else pull.resolve({ value: undefined, done: true });
    for (const rest of this.#pulls.splice(0)) rest.resolve({ value: undefined, done: true });
  }
}
