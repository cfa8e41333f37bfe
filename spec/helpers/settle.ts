import { lastValueFrom, tap, type Observable } from 'rxjs';

/** How an Observable ended, and what it emitted before. */
export interface Settled<T> {
  values: T[];
  /** The error notification, when it errored. */
  error?: unknown;
  completed: boolean;
}

/**
 * Runs `source` to its end and resolves with the values it emitted and how
 * it ended: for specs that check the values before an error as well as the
 * error (`lastValueFrom` alone keeps one of them). No subscription is left
 * to anyone: `lastValueFrom` owns it and it ends with the source.
 */
export async function settle<T>(source: Observable<T>): Promise<Settled<T>> {
  const values: T[] = [];
  try {
    await lastValueFrom(source.pipe(tap((value) => values.push(value))), { defaultValue: undefined });
    return { values, completed: true };
  } catch (error) {
    return { values, error, completed: false };
  }
}
