/**
 * A progress line: redrawn in place on a terminal at most ten times a
 * second, printed every second otherwise (CI logs, pipes). Drawing on every
 * result would cost the main thread a synchronous terminal write per file —
 * the thread that also has to feed the workers.
 */
const kRedrawMs = 100;
const kPrintMs = 1000;

export class Progress {
  #lastDraw = -Infinity;
  #pending: (() => void) | undefined;
  readonly #tty = process.stdout.isTTY === true;

  update(done: number, found: number, bytes: number, startedAt: number): void {
    const now = Date.now();
    const draw = (): void => {
      const seconds = (Date.now() - startedAt) / 1000;
      const mb = bytes / 2 ** 20;
      const line = `scanned ${done} of ${found} files found, ${mb.toFixed(1)} MiB, ${(mb / Math.max(seconds, 0.001)).toFixed(1)} MiB/s`;
      if (this.#tty) {
        const width = 24;
        const filled = found === 0 ? 0 : Math.round((width * done) / found);
        process.stdout.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${line}\x1b[K`);
      } else {
        console.log(line);
      }
    };
    if (now - this.#lastDraw >= (this.#tty ? kRedrawMs : kPrintMs)) {
      this.#lastDraw = now;
      this.#pending = undefined;
      draw();
    } else {
      this.#pending = draw; // the last state is drawn by end(), so the bar never stops short
    }
  }

  end(): void {
    if (this.#tty) {
      this.#pending?.();
      process.stdout.write('\n');
    }
    this.#pending = undefined;
  }
}
