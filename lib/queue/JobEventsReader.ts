/**
 * Producer side: reads the queue's event stream (`<prefix>:<queue>:events`,
 * written by BullMQ's scripts) with XREAD on a connection of its own.
 *
 * BullMQ's `QueueEvents` does the same, but parses each entry's JSON in its
 * read loop: one malformed entry (`XADD … event progress data '{not json'`)
 * ended the loop for good, and every later future of every producer on the
 * queue stayed pending. Here an entry's fields go to the handler as a Map of
 * raw strings (no object keyed by names from Redis), the handler cannot
 * throw into the loop, and any error of the read itself restarts it from the
 * last id read, after telling the owner that events may have been missed.
 */
import type IORedis from 'ioredis';

/** One event: its stream id and its fields, unparsed. */
export type EventHandler = (eventId: string, fields: ReadonlyMap<string, string>) => void;

// Entries per XREAD, so one read never builds a giant reply.
const kCount = 1000;
// The longest pause between retries of a failing read.
const kMaxBackoff = 1000;

/**
 * @example
 * ```ts
 * const reader = new JobEventsReader(client.duplicate(), queue.toKey('events'), readFrom, onEvent, () => watchdog.missedEvents());
 * reader.start();
 * await reader.close();
 * ```
 * @internal
 */
export class JobEventsReader {
  readonly #client: IORedis;
  readonly #key: string;
  readonly #onEvent: EventHandler;
  readonly #onRestart: (error: unknown) => void;
  readonly #blockMs: number;
  // The id of the last entry read: the next XREAD starts after it.
  #lastId: string;
  #closed = false;
  #loop: Promise<void> | undefined;
  // Wakes the back-off wait early on close().
  #wake: (() => void) | undefined;

  /**
   * @param client - a connection for this reader alone (XREAD BLOCK holds it)
   * @param from - read the entries after this stream id
   * @param onRestart - a read failed and will be retried: events may have been missed
   */
  constructor(client: IORedis, key: string, from: string, onEvent: EventHandler, onRestart: (error: unknown) => void, blockMs = 2000) {
    this.#client = client;
    this.#key = key;
    this.#lastId = from;
    this.#onEvent = onEvent;
    this.#onRestart = onRestart;
    this.#blockMs = blockMs;
  }

  /** The id of the last entry read. */
  get lastId(): string {
    return this.#lastId;
  }

  /** Starts reading, in the background, until close(). */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops reading and drops the connection (a blocked XREAD ends at once). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    this.#client.disconnect();
    await this.#loop;
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#closed) {
      let reply: unknown;
      try {
        reply = await this.#client.xread('COUNT', kCount, 'BLOCK', this.#blockMs, 'STREAMS', this.#key, this.#lastId);
        failures = 0;
      } catch (error) {
        if (this.#closed) return;
        failures += 1;
        try {
          this.#onRestart(error);
        } catch {
          // The owner's bookkeeping must not stop the reader.
        }
        await this.#pause(Math.min(50 * 2 ** Math.min(failures, 5), kMaxBackoff));
        continue;
      }
      this.#dispatch(reply);
    }
  }

  // XREAD's reply: [[key, [[id, [field, value, …]], …]]], or null after the block timeout.
  #dispatch(reply: unknown): void {
    const entries = Array.isArray(reply) && Array.isArray(reply[0]) ? (reply[0] as unknown[])[1] : undefined;
    if (!Array.isArray(entries)) return;
    for (const entry of entries) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string') continue;
      this.#lastId = entry[0];
      const raw: unknown = entry[1];
      const fields = new Map<string, string>();
      if (Array.isArray(raw)) {
        for (let i = 0; i + 1 < raw.length; i += 2) {
          if (typeof raw[i] === 'string' && typeof raw[i + 1] === 'string' && !fields.has(raw[i])) fields.set(raw[i], raw[i + 1]);
        }
      }
      try {
        this.#onEvent(entry[0], fields);
      } catch {
        // A handler fails only its own job (JobRecord), never the loop; this is the last guard.
      }
    }
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
