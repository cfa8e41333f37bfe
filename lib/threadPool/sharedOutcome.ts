/**
 * A finished call of a batch marks its control cell; if it returned a
 * primitive that fits (a number, `undefined`, `null`, a boolean — what tiny
 * coalesced tasks mostly return), the value itself goes to shared memory as
 * well. The pool then has it even if the worker goes down before it answers
 * (a crash, or a forced interrupt of a later call of the same message): the
 * call is not re-run, and its result is not lost. The cost is a `typeof` and
 * one store per call.
 */
import { CallState, batchNumbers, type Outcome } from './protocol';

/** Worker side: marks call i finished, keeping a primitive value in shared memory. */
export function storeOutcome(control: Int32Array, numbers: Float64Array, i: number, outcome: Outcome): void {
  let state: number = CallState.Done;
  if (outcome.ok) {
    const { value } = outcome;
    if (typeof value === 'number') {
      numbers[i] = value;
      state = CallState.ReturnedNumber;
    } else if (value === undefined) state = CallState.ReturnedUndefined;
    else if (value === null) state = CallState.ReturnedNull;
    else if (value === true) state = CallState.ReturnedTrue;
    else if (value === false) state = CallState.ReturnedFalse;
  }
  // Seq-cst store after the plain one: whoever reads this state sees the number.
  Atomics.store(control, i, state);
}

/** Pool side: the value call i left in shared memory, if it left one. */
export function sharedValue(control: Int32Array, state: number, i: number): { value: unknown } | undefined {
  switch (state) {
    case CallState.ReturnedNumber:
      return { value: batchNumbers(control)[i] };
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
