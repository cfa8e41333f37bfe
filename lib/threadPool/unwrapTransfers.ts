import type { Transferable } from 'node:worker_threads';
import { isTransferred, transferListItem } from '../transfer';

/** Shared by every call without `transfer()`: most calls, and an empty array each is garbage. */
export const kNoTransfers: Transferable[] = Object.freeze([]) as unknown as Transferable[];

/**
 * Replaces top-level `transfer()` markers by their values, collecting what to move.
 *
 * @returns `args` itself when it holds no marker, else a copy with the values
 */
export function unwrapTransfers(args: unknown[], transferList: Transferable[]): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (isTransferred(arg)) {
      out ??= args.slice();
      out[i] = arg.value;
      transferList.push(transferListItem(arg.value) as Transferable);
    }
  }
  return out ?? args;
}
