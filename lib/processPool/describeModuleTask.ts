/**
 * Main side: the process pool runs module tasks only. A function cannot be
 * sent to a child process: the child shares no memory with the parent, and
 * shipping a function's source is a feature of the thread pool alone.
 */
import { isTask } from '../Task';
import { describe } from '../internal/validate';
import type { TaskDescriptor } from '../internal/TaskDescriptor';

const cache = new WeakMap<object, TaskDescriptor>();

/**
 * @param what - how to name the task in messages (e.g. 'submit: task')
 * @throws TypeError for a function (saying why and what to do instead) or anything that is not a Task
 */
export function describeModuleTask(value: unknown, what: string): TaskDescriptor {
  if (isTask(value)) {
    let descriptor = cache.get(value);
    if (descriptor === undefined) {
      descriptor = { kind: 'module', specifier: value.specifier, exportName: value.exportName };
      cache.set(value, descriptor);
    }
    return descriptor;
  }
  if (typeof value === 'function') {
    throw new TypeError(
      `${what}: ProcessPoolExecutor runs module tasks only, and ${value.name ? `function ${value.name}` : 'this function'} is not one: ` +
        'a child process shares no memory with this one, and shipping a function by its source is a ThreadPoolExecutor feature. ' +
        "Export it from a module and pass task(require.resolve('./tasks'), 'name') or a taskModule() property",
    );
  }
  throw new TypeError(`${what} must be a Task (task() / taskModule()), got ${describe(value)}`);
}
