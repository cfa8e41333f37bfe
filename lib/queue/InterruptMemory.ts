/**
 * Worker side: the job ids whose producers asked to stop them. An interrupt
 * may arrive before its job starts here (the producer saw the job go active
 * before this process's processor got it), so ids are remembered for a
 * while — and anyone who can publish on the channel can send a flood of
 * them, so remembering must cost O(1) per id with no growth beyond a cap.
 *
 * A ring of the last `capacity` ids with their arrival times (oldest
 * forgotten first, expired ones dropped from the old end) and a Map from id
 * to the sequence number of its latest entry. Not a Map iterated from its
 * start: V8 leaves a hole for every deleted Map entry until the next rehash,
 * and iterating past thousands of holes on every message made a flood cost
 * ~6 µs per id (issue #13).
 */

/**
 * @example
 * ```ts
 * const memory = new InterruptMemory(10_000, 60_000);
 * memory.add('1a2b3c4d5e6f-1', Date.now());
 * memory.has('1a2b3c4d5e6f-1', Date.now()); // true, for a minute
 * ```
 * @internal
 */
export class InterruptMemory {
  readonly #capacity: number;
  readonly #ttlMs: number;
  // The ring: entry number n lives in slot n % capacity.
  readonly #ids: Array<string | undefined>;
  readonly #times: Float64Array;
  // Each remembered id → the number of its latest entry (an id sent twice has two entries).
  readonly #latest = new Map<string, number>();
  // Number of the oldest live entry, and of the next one.
  #oldest = 0;
  #next = 0;

  /**
   * @param capacity - most ids remembered (a flood forgets the oldest first)
   * @param ttlMs - how long an id is remembered
   */
  constructor(capacity: number, ttlMs: number) {
    this.#capacity = capacity;
    this.#ttlMs = ttlMs;
    this.#ids = new Array<string | undefined>(capacity);
    this.#times = new Float64Array(capacity);
  }

  /** How many ids are remembered. */
  get size(): number {
    return this.#latest.size;
  }

  /** Remembers `id`, interrupted at `now` (ms). */
  add(id: string, now: number): void {
    this.#expire(now);
    if (this.#next - this.#oldest === this.#capacity) this.#forgetOldest();
    const slot = this.#next % this.#capacity;
    this.#ids[slot] = id;
    this.#times[slot] = now;
    this.#latest.set(id, this.#next);
    this.#next += 1;
  }

  /** True if `id` was interrupted within the last `ttlMs` (and not pushed out by a flood). */
  has(id: string, now: number): boolean {
    this.#expire(now);
    return this.#latest.has(id);
  }

  #expire(now: number): void {
    while (this.#oldest < this.#next && now - this.#times[this.#oldest % this.#capacity] > this.#ttlMs) this.#forgetOldest();
  }

  #forgetOldest(): void {
    const slot = this.#oldest % this.#capacity;
    const id = this.#ids[slot]!;
    // Forget the id only if this is its latest entry; a later one keeps it remembered.
    if (this.#latest.get(id) === this.#oldest) this.#latest.delete(id);
    this.#ids[slot] = undefined;
    this.#oldest += 1;
  }
}
