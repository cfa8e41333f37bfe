/**
 * Main side: turns what the user passed as a task into a TaskDescriptor the
 * worker can load, or a clear TypeError saying why it cannot cross threads.
 */
import { isTask } from '../Task';
import { describe } from '../internal/validate';
import type { TaskDescriptor } from './protocol';

// Coverage tools (istanbul/babel-plugin-istanbul, used by `jest --coverage`) insert counters such as
// `cov_2l7x9f().s[3]++` into every function: the counter does not exist in a worker.
const kCoverageCounter = /\bcov_[0-9a-z]+\(\)|__coverage__/;

const cache = new WeakMap<object, TaskDescriptor>();

/**
 * @param what - how to name the task in messages (e.g. 'submit: task')
 * @throws TypeError if `value` is neither a Task nor a self-contained function
 */
export function describeTask(value: unknown, what: string): TaskDescriptor {
  if (isTask(value)) {
    // Cached per Task object: the pool recognises calls of the same task by descriptor identity.
    let descriptor = cache.get(value as object);
    if (descriptor === undefined) {
      descriptor = { kind: 'module', specifier: value.specifier, exportName: value.exportName };
      cache.set(value as object, descriptor);
    }
    return descriptor;
  }
  if (typeof value !== 'function') {
    throw new TypeError(`${what} must be a Task (task() / taskModule()) or a self-contained function, got ${describe(value)}`);
  }
  let descriptor = cache.get(value);
  if (descriptor === undefined) {
    descriptor = { kind: 'inline', source: inlineSource(value, what), name: value.name };
    cache.set(value, descriptor);
  }
  return descriptor;
}

function inlineSource(fn: Function, what: string): string {
  const source = Function.prototype.toString.call(fn);
  const label = fn.name ? `function ${fn.name}` : 'the function';
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    const kind = fn.name.startsWith('bound ') ? 'a bound function' : 'a native function';
    throw new TypeError(
      `${what}: ${label} is ${kind}, which has no source to ship to a worker; pass a self-contained function or a module task`,
    );
  }
  if (/^class\b/.test(source)) {
    throw new TypeError(`${what}: ${label} is a class; pass a function or a module task`);
  }
  if (kCoverageCounter.test(source)) {
    throw new TypeError(
      `${what}: ${label} was instrumented by a coverage tool (it calls a coverage counter that does not exist in a worker); ` +
        'use a module task, or exclude this file from coverage (coveragePathIgnorePatterns)',
    );
  }
  if (compiles(source)) return source;
  // Method shorthand (`double(x) { … }`) is not an expression on its own.
  const method = `({ ${source} })[${JSON.stringify(fn.name)}]`;
  if (compiles(method)) return method;
  throw new TypeError(`${what}: the source of ${label} cannot be compiled on its own; use a module task`);
}

function compiles(expression: string): boolean {
  try {
    new Function(`return (${expression});`);
    return true;
  } catch {
    return false;
  }
}
