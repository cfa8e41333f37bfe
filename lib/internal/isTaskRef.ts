/**
 * The brand check behind `isTask`, on the bottom floor: lib/internal code
 * (inProcess.ts) needs to tell a Task from a function without importing
 * lib/Task.ts, which sits above it (STYLE.md §(d)3). Task.ts's `isTask`
 * narrows to the public `Task` type by calling this.
 */
import { kTask } from './symbols';

/** What internal code needs of a Task: its brand and the export it names. */
export interface TaskRef {
  readonly [kTask]: true;
  /** An absolute path, a `file:` URL or a package name. */
  readonly specifier: string;
  /** The export to call. */
  readonly exportName: string;
}

/** True for values made by `task()` / `taskModule()` (branded with kTask). */
export function isTaskRef(value: unknown): value is TaskRef {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kTask] === true;
}
