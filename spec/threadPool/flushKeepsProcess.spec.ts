import { execFile } from 'node:child_process';
import path from 'node:path';

/**
 * A coalesced batch whose worker answered before the pool read the partial
 * flush it posted (the two travel on different ports, in either order):
 * the batch waits for the flush. Piscina unrefs an idle worker and its
 * port, so the wait itself must keep the process alive — else a program
 * awaiting those futures exits with code 0 and the futures pending. Seen
 * under load in about 1 run in 10 of 5,000 tiny submits (issue #14: every
 * future settles). The fixture delivers the flush from an unref'd timer, as
 * an idle worker's port does.
 */
describe('FlushInbox', () => {
  it('should keep the process alive while a batch waits for a flush on an unref\'d port, and settle it from the flush', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [path.join(__dirname, '../fixtures/flushAfterAnswer.js')], { timeout: 30_000 }, (error, out) =>
        error ? reject(error) : resolve(out),
      );
    });
    expect(stdout.trim()).toBe('settled from the flush');
  });
});
