/**
 * rxfutures/testing — deterministic executors for marble tests (SPEC §5).
 * @module rxfutures/testing
 */
export { VirtualExecutor, type VirtualExecutorOptions, type VirtualLogEntry, type VirtualEvent } from './VirtualExecutor';
