/**
 * The wire between a ProcessPoolExecutor and its children: length-prefixed
 * frames of V8's serializer (structured clone), over a socket pair.
 *
 * Why not Node's IPC channel (`fork`, `serialization: 'advanced'`): it
 * deserializes inside Node's own read callback, so a message too deep for the
 * deserializer (a 2,000-deep linked list does it) throws an uncaught
 * RangeError there and takes the whole parent down, and no message handler of
 * ours can catch it. Here every frame is deserialized inside our try/catch:
 * a frame that cannot be read is one `unreadable` event for the futures its
 * child is running, and the frames after it are still found by their length.
 */
import { deserialize, serialize } from 'node:v8';

// A frame longer than this is taken for garbage (a hostile or broken peer), not for a value.
const kMaxFrameBytes = 1 << 30;

/** @throws what the serializer throws (DataCloneError, RangeError for too deep a value) */
export function encodeFrame(message: unknown): Buffer {
  const body = serialize(message);
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32LE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

/** One frame as read: its message, or why it could not be read. */
export type Frame = { ok: true; message: unknown } | { ok: false; error: Error; fatal: boolean };

/** Cuts a byte stream into frames; never throws. */
export class FrameReader {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #broken = false;

  /** The frames completed by `chunk`. After a fatal one (a length out of bounds) it reads nothing more. */
  push(chunk: Buffer): Frame[] {
    if (this.#broken) return [];
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    const frames: Frame[] = [];
    while (this.#pendingBytes >= 4) {
      const head = this.#peek(4);
      const length = head.readUInt32LE(0);
      if (length > kMaxFrameBytes) {
        this.#broken = true;
        frames.push({ ok: false, fatal: true, error: new RangeError(`a frame of ${length} bytes announced (at most ${kMaxFrameBytes}): the stream is garbage`) });
        return frames;
      }
      if (this.#pendingBytes < 4 + length) break;
      const body = this.#take(4 + length).subarray(4);
      try {
        frames.push({ ok: true, message: deserialize(body) });
      } catch (err) {
        frames.push({ ok: false, fatal: false, error: err instanceof Error ? err : new Error(String(err)) });
      }
    }
    return frames;
  }

  #peek(bytes: number): Buffer {
    if (this.#pending[0].length < bytes) this.#pending = [Buffer.concat(this.#pending)];
    return this.#pending[0];
  }

  #take(bytes: number): Buffer {
    const all = this.#peek(bytes);
    const taken = all.subarray(0, bytes);
    const rest = all.subarray(bytes);
    if (rest.length > 0) this.#pending[0] = rest;
    else this.#pending.shift();
    this.#pendingBytes -= bytes;
    return taken;
  }
}
