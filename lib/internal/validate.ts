/**
 * Input checks at the edge (Piscina style): each message names the option.
 * Sync APIs throw what these return; async ones reject with it.
 */

/** A timeout must be omitted, or a number >= 0 (Infinity allowed). */
export function checkTimeout(value: unknown, name: string): RangeError | TypeError | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') return new TypeError(`${name} must be a number of milliseconds, got ${describe(value)}`);
  if (Number.isNaN(value) || value < 0) return new RangeError(`${name} must be >= 0, got ${value}`);
  return undefined;
}

/** A positive integer option such as maxWorkers or buffersize. */
export function checkPositiveInteger(value: unknown, name: string): void {
  if (typeof value !== 'number') {
    throw new TypeError(`${name} must be a positive integer, got ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
}

/** Like checkPositiveInteger but allows Infinity (maxQueue, maxTasksPerChild). */
export function checkPositiveIntegerOrInfinity(value: unknown, name: string): void {
  if (value === Infinity) return;
  checkPositiveInteger(value, name);
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (typeof value === 'object') return `object ${(value as object).constructor?.name ?? 'Object'}`;
  return `${typeof value} ${String(value)}`;
}

/**
 * `shutdown` options with their defaults (`wait: true`, `cancelFutures: false`),
 * checked alike by every executor.
 * @throws TypeError naming the option (executors turn it into a rejection)
 */
export function checkShutdownOptions(options: unknown): { wait: boolean; cancelFutures: boolean } {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`shutdown: options must be an object, got ${describe(options)}`);
  }
  const { wait = true, cancelFutures = false } = options as { wait?: unknown; cancelFutures?: unknown };
  if (typeof wait !== 'boolean') throw new TypeError(`shutdown: options.wait must be a boolean, got ${describe(wait)}`);
  if (typeof cancelFutures !== 'boolean') {
    throw new TypeError(`shutdown: options.cancelFutures must be a boolean, got ${describe(cancelFutures)}`);
  }
  return { wait, cancelFutures };
}
