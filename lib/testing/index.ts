/**
 * rxfutures/testing — deterministic executors for marble tests (SPEC §5).
 * @module rxfutures/testing
 */
export { VirtualExecutor, type VirtualExecutorOptions } from './VirtualExecutor';
export type { VirtualLogEntry, VirtualEvent } from './VirtualLogEntry';
export type { SubscriptionLog } from './VirtualPool';
