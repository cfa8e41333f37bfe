/** Internal symbols (Node core style `k` names). Never exported from the package. */

/** Future method that registers a Waiter (used by wait / asCompleted). @internal */
export const kAddWaiter = Symbol('rxfutures.kAddWaiter');
/** Future method that unregisters a Waiter. @internal */
export const kRemoveWaiter = Symbol('rxfutures.kRemoveWaiter');
/** Brand on Task descriptors, so plain objects cannot pose as tasks. */
export const kTask = Symbol.for('rxfutures.kTask');
/** Brand on values marked by `transfer()`; `Symbol.for` so worker and main thread agree. */
export const kTransfer = Symbol.for('rxfutures.kTransfer');
/**
 * Optional executor method `(task, argsList) => Future[]`: submits several
 * calls of one task as one message (a `chunksize` chunk). Executors that
 * cannot batch leave it out and get one submit per item.
 * @internal
 */
export const kSubmitBatch = Symbol('rxfutures.kSubmitBatch');
/**
 * Optional executor method `(task) => number | undefined`: how many calls of
 * `task` are worth having submitted at once. The thread pool answers for
 * tasks it has learnt are tiny (it sends many of their calls per worker
 * trip); operators use it for their default `buffersize`.
 * @internal
 */
export const kPreferredInFlight = Symbol('rxfutures.kPreferredInFlight');
/**
 * Internal ThreadPoolExecutor option (a number of bytes): the most
 * `v8.serialize` of a task's encoded exception may take; a bigger one is cut
 * in the worker thread (fitEncodedError.ts) before it is posted. The queue
 * worker's pool sets it to its error budget, so a task's 100 MiB exception
 * never crosses to the main thread whole. Not a public option: a symbol key
 * keeps it out of the documented options and their types.
 * @internal
 */
export const kMaxErrorBytes = Symbol('rxfutures.kMaxErrorBytes');
