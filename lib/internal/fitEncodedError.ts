/**
 * A task's exception, encoded to fit a byte budget. An exception is the one
 * payload a task does not choose to send, and the queue keeps several copies
 * of it in Redis (the job's hash and the event stream), so an Error with a
 * 100 MiB message must not arrive in full. Cut in steps — long strings
 * first, then property values, then causes — and marked: the message ends
 * with `[truncated by rxfutures: …]` and the rebuilt error has
 * `truncated: true`.
 *
 * Used where the exception is caught, before it crosses anything: by the
 * thread pool's worker entry when its pool has a budget (the queue worker's
 * pool: a 100 MiB exception never crosses to the main thread whole), and by
 * the queue worker's main thread for what fails there.
 */
import { serialize } from 'node:v8';
import { encodeError, type EncodedError } from './errorCodec';

// How deep a cut exception keeps its cause chain and how many AggregateError members.
const kKeptDepth = 4;
const kKeptErrors = 16;

/**
 * @example
 * ```ts
 * const encoded = fitEncodedError(new Error('x'.repeat(1e8)), 1 << 20); // message cut to fit 1 MiB
 * ```
 * @param budget - the most bytes `v8.serialize(result)` may take
 */
export function fitEncodedError(thrown: unknown, budget: number): EncodedError {
  const whole = encodeError(thrown);
  // Strings are counted before anything is serialised: serialising a 100 MiB message only to drop it costs.
  if (stringChars(whole, 0) * 2 <= budget && fits(whole, budget)) return whole;
  for (const cap of [Math.floor(budget / 8), Math.floor(budget / 64), 1024, 128]) {
    const cut = truncated(whole, cap, true, 0);
    if (fits(cut, budget)) return cut;
  }
  const bare = truncated(whole, 128, false, kKeptDepth);
  if (fits(bare, budget)) return bare;
  return { kind: 'error', ctor: 'Error', name: 'Error', message: '[truncated by rxfutures: the exception did not fit maxPayloadBytes]', hasCause: false, props: { truncated: true } };
}

function fits(encoded: EncodedError, budget: number): boolean {
  try {
    return serialize(encoded).length <= budget;
  } catch {
    return false;
  }
}

// The characters of every string in the encoded exception (a cheap upper bound of its size).
function stringChars(e: EncodedError, depth: number): number {
  if (e.kind === 'value') return typeof e.value === 'string' ? e.value.length : 0;
  let n = e.name.length + e.message.length + (e.stack?.length ?? 0);
  for (const value of Object.values(e.props)) if (typeof value === 'string') n += value.length;
  if (depth < 32 && e.cause !== undefined) n += stringChars(e.cause, depth + 1);
  if (depth < 32) for (const member of e.errors ?? []) n += stringChars(member, depth + 1);
  return n;
}

/** A copy with every string cut to `cap` characters; without property values unless `keepProps`; causes `depth` deep at most. */
function truncated(e: EncodedError, cap: number, keepProps: boolean, depth: number): EncodedError {
  if (e.kind === 'value') return typeof e.value === 'string' ? { kind: 'value', value: cut(e.value, cap) } : e;
  const props: Record<string, unknown> = {};
  if (keepProps) for (const [key, value] of Object.entries(e.props)) props[key] = typeof value === 'string' ? cut(value, cap) : value;
  props.truncated = true;
  const out: EncodedError = {
    kind: 'error',
    ctor: e.ctor,
    name: cut(e.name, Math.min(cap, 256)),
    message: `${cut(e.message, cap)} [truncated by rxfutures: the exception was over maxPayloadBytes]`,
    stack: e.stack === undefined ? undefined : cut(e.stack, cap),
    hasCause: e.hasCause && e.cause !== undefined && depth < kKeptDepth,
    props,
  };
  if (out.hasCause) out.cause = truncated(e.cause!, cap, keepProps, depth + 1);
  if (e.errors !== undefined) out.errors = depth < kKeptDepth ? e.errors.slice(0, kKeptErrors).map((m) => truncated(m, cap, keepProps, depth + 1)) : [];
  return out;
}

function cut(text: string, cap: number): string {
  return text.length <= cap ? text : `${text.slice(0, cap)}…`;
}
