/** Internal symbols (Node core style `k` names). Never exported from the package. */

/** Future method that registers a Waiter (used by wait / asCompleted). */
export const kAddWaiter = Symbol('rxfutures.kAddWaiter');
/** Future method that unregisters a Waiter. */
export const kRemoveWaiter = Symbol('rxfutures.kRemoveWaiter');
/** Brand on Task descriptors, so plain objects cannot pose as tasks. */
export const kTask = Symbol.for('rxfutures.kTask');
/** Brand on values marked by `transfer()`; `Symbol.for` so worker and main thread agree. */
export const kTransfer = Symbol.for('rxfutures.kTransfer');
/**
 * Optional executor method `(task, argsList) => Future[]`: submits several
 * calls of one task as one message (a `chunksize` chunk). Executors that
 * cannot batch leave it out and get one submit per item.
 */
export const kSubmitBatch = Symbol('rxfutures.kSubmitBatch');
