/**
 * A progress line: redrawn in place on a terminal, printed every second
 * otherwise (CI logs, pipes).
 */
export class Progress {
  #lastPrint = 0;
  readonly #tty = process.stdout.isTTY === true;

  update(done: number, found: number, bytes: number, startedAt: number): void {
    const now = Date.now();
    const seconds = (now - startedAt) / 1000;
    const mb = bytes / 2 ** 20;
    const line = `scanned ${done} of ${found} files found, ${mb.toFixed(1)} MiB, ${(mb / Math.max(seconds, 0.001)).toFixed(1)} MiB/s`;
    if (this.#tty) {
      const width = 24;
      const filled = found === 0 ? 0 : Math.round((width * done) / found);
      process.stdout.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${line}\x1b[K`);
    } else if (now - this.#lastPrint >= 1000) {
      this.#lastPrint = now;
      console.log(line);
    }
  }

  end(): void {
    if (this.#tty) process.stdout.write('\n');
  }
}
