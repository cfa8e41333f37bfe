/**
 * A finished call of a batch marks its control cell; if it returned a
 * primitive that fits (a number, `undefined`, `null`, a boolean, a string
 * of at most kSharedStringUnits UTF-16 units — what tiny coalesced tasks
 * mostly return), the value itself goes to shared memory as well. The pool
 * then has it even if the worker goes down before it answers or flushes (a
 * crash, or a forced interrupt of a later call of the same message): the
 * call is not re-run, and its result is not lost.
 *
 * The cost is a `typeof` and one store per call, and for a short string a
 * copy of its units (a JIT-compiled loop: ~1 ns a unit, cheaper than a call
 * into `Buffer#write`). Objects are not kept here: `v8.serialize` costs
 * microseconds a call, a visible share of a tiny call; they rely on the
 * worker's early flushes (ResultFlusher.ts).
 */
import { CallState, batchNumbers, batchStrings, kSharedStringUnits, type Outcome } from './protocol';

/** Where a batch keeps returned values: the views of its control block (protocol.ts). */
export interface SharedCells {
  numbers: Float64Array;
  /** Made on the first string kept (a view costs more than most calls that return numbers). */
  strings: Uint16Array | undefined;
  /** Units of `strings` in use. */
  used: number;
}

/** The shared value cells of a batch's control block. */
export function sharedCells(control: Int32Array): SharedCells {
  return { numbers: batchNumbers(control), strings: undefined, used: 0 };
}

/** Worker side: marks call i finished, keeping a primitive value in shared memory. */
export function storeOutcome(control: Int32Array, cells: SharedCells, i: number, outcome: Outcome): void {
  let state: number = CallState.Done;
  if (outcome.ok) {
    const { value } = outcome;
    if (typeof value === 'number') {
      cells.numbers[i] = value;
      state = CallState.ReturnedNumber;
    } else if (typeof value === 'string') {
      const strings = value.length <= kSharedStringUnits ? (cells.strings ??= batchStrings(control)) : undefined;
      const start = cells.used;
      if (strings !== undefined && start + value.length <= strings.length) {
        // UTF-16 units as they are: lone surrogates survive too.
        for (let k = 0; k < value.length; k++) strings[start + k] = value.charCodeAt(k);
        cells.used = start + value.length;
        cells.numbers[i] = start * 64 + value.length;
        state = CallState.ReturnedString;
      }
    } else if (value === undefined) state = CallState.ReturnedUndefined;
    else if (value === null) state = CallState.ReturnedNull;
    else if (value === true) state = CallState.ReturnedTrue;
    else if (value === false) state = CallState.ReturnedFalse;
  }
  // Seq-cst store after the plain ones: whoever reads this state sees the number or the units.
  Atomics.store(control, i, state);
}

/** Pool side: the value call i left in shared memory, if it left one. */
export function sharedValue(control: Int32Array, state: number, i: number): { value: unknown } | undefined {
  switch (state) {
    case CallState.ReturnedNumber:
      return { value: batchNumbers(control)[i] };
    case CallState.ReturnedString:
      return { value: sharedString(control, i) };
    case CallState.ReturnedUndefined:
      return { value: undefined };
    case CallState.ReturnedNull:
      return { value: null };
    case CallState.ReturnedTrue:
      return { value: true };
    case CallState.ReturnedFalse:
      return { value: false };
    default:
      return undefined;
  }
}

function sharedString(control: Int32Array, i: number): string {
  // Start and length are the worker's word: bound them (slice clamps to the area).
  const where = Math.max(0, Math.trunc(batchNumbers(control)[i]) || 0);
  const start = Math.floor(where / 64);
  const length = Math.min(kSharedStringUnits, where % 64);
  const units = batchStrings(control).slice(start, start + length);
  let text = '';
  for (const unit of units) text += String.fromCharCode(unit);
  return text;
}
