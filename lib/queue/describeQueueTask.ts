/**
 * Producer side: what a job names as its task. Only module tasks cross
 * machines: an inline function's source could run on another machine, but
 * its `import`s would resolve against a file system the producer never saw.
 */
import { isTask } from '../Task';
import { describe } from '../internal/validate';

/** A module task by name: what the worker loads. */
export interface QueueTaskName {
  specifier: string;
  exportName: string;
}

/**
 * @example
 * ```ts
 * describeQueueTask(task('my-tasks', 'resize'), 'submit: task'); // { specifier: 'my-tasks', exportName: 'resize' }
 * ```
 * @param what - how to name the task in messages (e.g. 'submit: task')
 * @throws TypeError for an inline function (saying why) or anything that is not a Task
 */
export function describeQueueTask(value: unknown, what: string): QueueTaskName {
  if (isTask(value)) return { specifier: value.specifier, exportName: value.exportName };
  if (typeof value === 'function') {
    throw new TypeError(
      `${what}: QueueExecutor runs module tasks only (task() / taskModule()), got function ${value.name || '(anonymous)'}: ` +
        'a job may run in a process on another machine, which shares no memory with this one and where only a module path ' +
        "or package name means the same code; export the function from a module and pass task(require.resolve('./tasks'), 'name')",
    );
  }
  throw new TypeError(`${what} must be a Task (task() / taskModule()), got ${describe(value)}`);
}
