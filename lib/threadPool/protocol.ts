/**
 * The messages between the thread pool and its worker entry. One Piscina
 * task carries one call, or a batch of calls of the same task.
 */
import type { MessagePort } from 'node:worker_threads';
import type { EncodedError } from '../internal/errorCodec';

/** How a task is named across the thread boundary. */
export type TaskDescriptor =
  | { readonly kind: 'module'; readonly specifier: string; readonly exportName: string }
  | { readonly kind: 'inline'; readonly source: string; readonly name: string };

/** Per-worker settings, sent once as Piscina's `workerData`. */
export interface WorkerSettings {
  initializer?: TaskDescriptor;
  initargs: unknown[];
  threadNamePrefix: string;
  maxTasksPerChild: number;
}

/** What the pool sends: one call (`args`), a batch (`batch`), or a generator run (`port`). */
export interface Request {
  task: TaskDescriptor;
  args?: unknown[];
  batch?: unknown[][];
  /** For `stream`: each yielded value is posted here as a {@link StreamMessage}. */
  port?: MessagePort;
}

/** The outcome of one call. */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: EncodedError };

/** What the worker answers. */
export interface Response {
  /** One outcome per call (one for a single call, N for a batch). */
  outcomes: Outcome[];
  /** The initializer threw: the pool is broken; `outcomes` is empty. */
  initError?: EncodedError;
  /** This worker reached maxTasksPerChild and must not get more work. */
  retire?: number;
}

/** Messages on a stream's port. */
export type StreamMessage = { value: unknown } | { end: true } | { error: EncodedError };
