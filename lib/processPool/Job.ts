import type { Future } from '../Future';
import type { TaskDescriptor } from '../internal/TaskDescriptor';
import type { StreamSink } from './StreamSink';

/** One message's worth of work for a child: a call, coalesced calls, a chunk of calls, or a generator run. */
export interface Job {
  /** One per call; for a stream, the one future standing for the whole run. */
  futures: Future<unknown>[];
  task: TaskDescriptor;
  /** The arguments of each call (a stream has one entry). */
  calls: unknown[][];
  /** For `stream`: where the yielded values go. */
  stream?: StreamSink<unknown>;
  /** The futures are already running: calls that never started, re-queued after their child was killed. */
  started?: boolean;
  /** Sent alone, never coalesced: a call split off a message that could not be sent whole. */
  solo?: boolean;
}
