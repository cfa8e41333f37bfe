/**
 * Child side, for a `done` message the serializer refused whole although
 * every part passed our checks (a host object v8.serialize cannot write, a
 * getter that throws only on a later read): each call's outcome is
 * serialized on its own and replaced by its deserialized copy — plain data,
 * with no getter left to throw on the next read — or, if it cannot be, by a
 * failure that names the problem. An exception loses only what cannot be
 * sent (a property, a cause): each such part is replaced by a description,
 * as the decoder does with parts it cannot rebuild, and the exception itself
 * still arrives with its name and message.
 *
 * Nothing here throws: the message it makes is always sendable.
 */
import { deserialize, serialize } from 'node:v8';
import type { EncodedError } from '../internal/errorCodec';
import type { Failure } from './protocol';

/** The outcomes of a `done`, each checked alone. */
export function isolateOutcomes(values: readonly unknown[], failures: readonly (Failure | undefined)[] | undefined): { values: unknown[]; failures: (Failure | undefined)[] } {
  const out: unknown[] = new Array(values.length);
  const outFailures: (Failure | undefined)[] = [];
  for (let i = 0; i < values.length; i++) {
    const failure = failures?.[i];
    if (failure === undefined) {
      const copy = copyOf(values[i]);
      if ('value' in copy) out[i] = copy.value;
      else outFailures[i] = { uncloneable: `the result cannot be cloned to the parent process: ${copy.problem}` };
    } else outFailures[i] = sendableFailure(failure);
  }
  return { values: out, failures: outFailures };
}

/** A failure as it can be sent: an exception with its unsendable parts described, or a string. */
export function sendableFailure(failure: Failure): Failure {
  if ('uncloneable' in failure) return { uncloneable: String(failure.uncloneable) };
  const whole = copyOf(failure.error);
  if ('value' in whole) return { error: whole.value as EncodedError };
  try {
    const error = sendableError(failure.error);
    const copy = copyOf(error);
    if ('value' in copy) return { error: copy.value as EncodedError };
    return { uncloneable: `the task's exception cannot be cloned to the parent process: ${copy.problem}` };
  } catch (err) {
    return { uncloneable: `the task's exception cannot be cloned to the parent process: ${describe(err)}` };
  }
}

/**
 * A copy of an encoded exception (our encoder's output: a tree of at most
 * ~1,000 nodes) in which every property or thrown value the serializer
 * refuses is replaced by a description naming where it was.
 */
function sendableError(root: EncodedError): EncodedError {
  let result: EncodedError | undefined;
  const pending: Array<{ node: EncodedError; path: string; attach: (e: EncodedError) => void }> = [{ node: root, path: 'the exception', attach: (e) => (result = e) }];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const { node, path } = item;
    if (node.kind === 'value') {
      const copy = copyOf(node.value);
      item.attach(
        'value' in copy
          ? { kind: 'value', value: copy.value }
          : { kind: 'error', ctor: 'Error', name: 'DataCloneError', message: `an exception cannot be cloned to the parent process: ${path} ${copy.problem}`, hasCause: false, props: {} },
      );
      continue;
    }
    const props: Record<string, unknown> = {};
    for (const key of Object.keys(node.props)) {
      const copy = copyOf(node.props[key]);
      Object.defineProperty(props, key, {
        value: 'value' in copy ? copy.value : `[uncloneable: ${path}.${key} ${copy.problem}]`,
        writable: true,
        configurable: true,
        enumerable: true,
      });
    }
    const copy: EncodedError = { kind: 'error', ctor: node.ctor, name: node.name, message: node.message, stack: node.stack, hasCause: node.hasCause, props };
    item.attach(copy);
    if (node.cause !== undefined) pending.push({ node: node.cause, path: `${path}.cause`, attach: (e) => (copy.cause = e) });
    if (node.errors !== undefined) {
      const errors: EncodedError[] = (copy.errors = []);
      node.errors.forEach((e, i) => pending.push({ node: e, path: `${path}.errors[${i}]`, attach: (x) => (errors[i] = x) }));
    }
  }
  return result!;
}

/** A serialized-and-rebuilt copy of `value` (plain data), or why it cannot be sent. */
function copyOf(value: unknown): { value: unknown } | { problem: string } {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')) return { value };
  try {
    return { value: deserialize(serialize(value)) };
  } catch (err) {
    return { problem: `cannot be serialized: ${describe(err)}` };
  }
}

function describe(err: unknown): string {
  try {
    return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  } catch {
    return 'an unreadable exception';
  }
}
