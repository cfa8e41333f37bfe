/** Internal symbols (Node core style `k` names). Never exported from the package. */

/** Future method that registers a Waiter (used by wait / asCompleted). */
export const kAddWaiter = Symbol('rxfutures.kAddWaiter');
/** Future method that unregisters a Waiter. */
export const kRemoveWaiter = Symbol('rxfutures.kRemoveWaiter');
/** Brand on Task descriptors, so plain objects cannot pose as tasks. */
export const kTask = Symbol.for('rxfutures.kTask');
/** Brand on values marked by `transfer()`; `Symbol.for` so worker and main thread agree. */
export const kTransfer = Symbol.for('rxfutures.kTransfer');
