/**
 * Parent side of `stream` on the process pool: an async iterator fed with
 * the values a child's generator yields, in the order the IPC messages
 * arrive (the end and the error come on the same channel, so nothing yielded
 * before them is overtaken).
 */
export class StreamSink<Y> {
  // Values received and not yet consumed.
  readonly #buffer: Y[] = [];
  // How the run ended, once it has.
  #end: { failed: boolean; error?: unknown } | undefined;
  // A next() waiting for a value.
  #wake: (() => void) | undefined;
  readonly #interrupt: () => void;

  /** @param interrupt - called when the consumer stops early (`return()`) */
  constructor(interrupt: () => void) {
    this.#interrupt = interrupt;
  }

  /** True once the run has ended (or the consumer left). */
  get ended(): boolean {
    return this.#end !== undefined;
  }

  push(value: Y): void {
    if (this.#end !== undefined) return;
    this.#buffer.push(value);
    this.#wake?.();
  }

  end(): void {
    this.#finish({ failed: false });
  }

  fail(error: unknown): void {
    this.#finish({ failed: true, error });
  }

  /** The consumer's side. */
  readonly iterator: AsyncIterableIterator<Y> = {
    next: async (): Promise<IteratorResult<Y>> => {
      for (;;) {
        if (this.#buffer.length > 0) return { value: this.#buffer.shift() as Y, done: false };
        const end = this.#end;
        if (end !== undefined) {
          if (end.failed) {
            this.#end = { failed: false };
            throw end.error;
          }
          return { value: undefined, done: true };
        }
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = undefined;
      }
    },
    return: async (): Promise<IteratorResult<Y>> => {
      const running = this.#end === undefined;
      this.#buffer.length = 0;
      this.end();
      if (running) this.#interrupt();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };

  #finish(end: { failed: boolean; error?: unknown }): void {
    if (this.#end !== undefined) return;
    this.#end = end;
    this.#wake?.();
  }
}
