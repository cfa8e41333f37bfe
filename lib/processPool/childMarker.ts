/**
 * The environment variable a ProcessPoolExecutor sets in each child (to its
 * own pid). The child entry removes it as it starts, so a pool made by a
 * task in a child works as anywhere. A process that still has it when it
 * makes a pool was started as a child but is running something else — a
 * preload (`--require`, `--import`) or, with a parent's command line passed
 * along whole, the parent's own script — and must not fork again: that would
 * be a chain of processes without end.
 */
export const kChildMarker = 'RXFUTURES_PROCESS_POOL_CHILD';
