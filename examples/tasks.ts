/**
 * The task module the examples run on worker threads. A plain TypeScript
 * module: rxfutures loads it in each worker (transpiled there when no
 * TypeScript loader is active, or through tsx when you run under tsx).
 */
import { createHash } from 'node:crypto';

/** True if n is prime (trial division, deliberately CPU-bound). */
export function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  const limit = Math.floor(Math.sqrt(n));
  for (let i = 3; i <= limit; i += 2) if (n % i === 0) return false;
  return true;
}

/** Simulated fetch: returns the page "size" after `ms` of CPU work. */
export function loadPage(url: string, ms: number): number {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy: stands for real work
  }
  if (url.includes('nonexistent')) {
    const error = new Error(`getaddrinfo ENOTFOUND ${new URL(url).hostname}`) as Error & { code: string };
    error.code = 'ENOTFOUND';
    throw error;
  }
  return url.length * 1000;
}

/** sha256 of a string, hex. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Sleeps `ms` inside the worker, then returns `value`. */
export async function delayed<T>(value: T, ms: number): Promise<T> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return value;
}

/** Dies: the worker exits under the task. */
export function crash(): never {
  process.exit(1);
}

/** Waits `input[1]` ms, then returns `input[0]`: later items can finish first. */
export async function echoAfter(input: [string, number]): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, input[1]));
  return input[0];
}

/** `[n, isPrime(n)]`, for pipelines that keep the number with its answer. */
export function primePair(n: number): [number, boolean] {
  return [n, isPrime(n)];
}

/**
 * A mirror that answers `value`: at once without a gate, else only once
 * `gate[0]` is set (Atomics, not a timer: which mirror answers first never
 * depends on how busy the machine is).
 */
export function mirror<T>(value: T, gate?: Int32Array): T {
  if (gate !== undefined) Atomics.wait(gate, 0, 0);
  return value;
}
