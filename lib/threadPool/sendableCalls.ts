import type { Transferable } from 'node:worker_threads';
import { DataCloneError } from '../errors';
import type { Future } from '../Future';
import { argsProblem } from './checkArgs';
import { unwrapTransfers } from './unwrapTransfers';

/** The calls of a batch that can be sent, as one batch. */
export interface SendableCalls {
  futures: Future<unknown>[];
  batch: unknown[][];
  transferList: Transferable[];
}

/**
 * Checks a batch call by call, for a chunk the pool chose (map without
 * `chunksize`): a call whose arguments cannot be sent fails its own future
 * with `DataCloneError` (SPEC: only its own future), and its neighbours still
 * go. A `chunksize` chunk is the caller's and fails whole instead.
 */
export function sendableCalls(argsList: unknown[][], futures: Future<unknown>[]): SendableCalls {
  const good: SendableCalls = { futures: [], batch: [], transferList: [] };
  argsList.forEach((args, i) => {
    const own: Transferable[] = [];
    const sent = unwrapTransfers(args, own);
    const bad = argsProblem(sent, own);
    if (bad !== undefined) {
      futures[i].setException(new DataCloneError(`the task's arguments cannot be cloned to a worker: ${bad}`));
      return;
    }
    good.futures.push(futures[i]);
    good.batch.push(sent);
    good.transferList.push(...own);
  });
  return good;
}
