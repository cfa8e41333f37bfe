/**
 * Far side: a disk cache of TypeScript task modules as the worker-side hook
 * (typeScriptHook.ts) transpiled them, so that a worker thread or child
 * process whose `.ts` task was transpiled before runs the stored JavaScript
 * and never loads the `typescript` package (about half a second of CPU and
 * tens of MB in every worker that does).
 *
 * What is stored here is code that will run, so nobody but the user may be
 * able to put it there:
 * - the directory is per user (`<tmpdir>/rxfutures-ts-<uid>` by default),
 *   made with mode 0700, and used only if it is a real directory (not a
 *   symlink) owned by this user that no one else can write to;
 * - an entry is opened without following symlinks and read only if it is a
 *   regular file owned by this user that no one else can write to;
 * - an entry names its own key and a SHA-256 of its code in its first line,
 *   checked on every read: a truncated, corrupt or renamed entry is a miss;
 * - entries are written to a fresh temporary file (O_EXCL, mode 0600) and
 *   renamed into place, so a reader never sees half an entry.
 * Anything that fails one of these is ignored and the module is transpiled
 * again; the cache never makes a task fail.
 *
 * The key is a SHA-256 of this format's version, the typescript version, the
 * compiler options, the file's path (the inline source map names it) and its
 * source.
 *
 * RXFUTURES_TS_CACHE: unset or empty → the default directory; `0`, `false` or
 * `off` → no cache; anything else → that directory (resolved from the working
 * directory).
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The environment variable that moves or turns off the cache. */
export const kTranspileCacheEnv = 'RXFUTURES_TS_CACHE';

// Bumped whenever what an entry holds, or how it is keyed, changes.
const kFormat = 'rxfutures-ts-cache 1';
const kEntry = /^\/\/ rxfutures-ts-cache 1 ([0-9a-f]{64}) ([0-9a-f]{64})\n/;
// POSIX owners and modes; on Windows the temp directory is the user's own and there are no modes to check.
const kPosix = process.platform !== 'win32';

/** What a cached transpile depends on, besides nothing else. */
export interface TranspileInput {
  /** The typescript package's version. */
  readonly typescript: string;
  /** The compiler options, by name (as the hook passes them). */
  readonly options: Readonly<Record<string, unknown>>;
  /** The module's absolute path. */
  readonly fileName: string;
  /** The module's source text. */
  readonly source: string;
}

/** The cache key of a transpile: 64 hex digits. */
export function transpileCacheKey(input: TranspileInput): string {
  return createHash('sha256')
    .update(JSON.stringify([kFormat, input.typescript, input.options, input.fileName]))
    .update('\0')
    .update(input.source)
    .digest('hex');
}

/**
 * The cache directory this process should use, made if need be, or
 * undefined when the cache is off or the directory is not safe to use.
 */
export function transpileCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const setting = env[kTranspileCacheEnv] ?? '';
  if (/^(0|false|off)$/i.test(setting.trim())) return undefined;
  const dir = setting.trim() === '' ? defaultDir() : path.resolve(setting);
  if (dir === undefined) return undefined;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stats = fs.lstatSync(dir);
    return stats.isDirectory() && ownedAndPrivate(stats) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** The code stored under `key` in `dir`, or undefined (a miss, or an entry that failed a check). */
export function readTranspiled(dir: string, key: string): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(entryPath(dir, key), fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
  } catch {
    return undefined;
  }
  try {
    const stats = fs.fstatSync(fd);
    if (!stats.isFile() || !ownedAndPrivate(stats)) return undefined;
    const text = fs.readFileSync(fd, 'utf8');
    const header = kEntry.exec(text);
    if (header === null || header[1] !== key) return undefined;
    const code = text.slice(header[0].length);
    return digest(code) === header[2] ? code : undefined;
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Stores `code` under `key` in `dir`; best effort (a failure only means a miss later).
 *
 * @throws RangeError if `key` is not a cache key (a programming error, never a disk one)
 */
export function writeTranspiled(dir: string, key: string, code: string): void {
  const target = entryPath(dir, key);
  // Unique to this thread and call (pid + random), made with O_EXCL: never an existing file or symlink.
  const temporary = `${target}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`;
  try {
    fs.writeFileSync(temporary, `// ${kFormat} ${key} ${digest(code)}\n${code}`, { flag: 'wx', mode: 0o600 });
    fs.renameSync(temporary, target);
  } catch {
    try {
      fs.rmSync(temporary, { force: true });
    } catch {
      // nothing more to do: a stray temporary file is never read as an entry
    }
  }
}

function entryPath(dir: string, key: string): string {
  if (!/^[0-9a-f]{64}$/.test(key)) throw new RangeError(`not a transpile cache key: ${JSON.stringify(key)}`);
  return path.join(dir, `${key}.js`);
}

function digest(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

/** Owned by this user and writable by nobody else (always true where there are no POSIX owners). */
function ownedAndPrivate(stats: fs.Stats): boolean {
  if (!kPosix) return true;
  return stats.uid === process.getuid?.() && (stats.mode & 0o022) === 0;
}

function defaultDir(): string | undefined {
  let user: string;
  try {
    user = kPosix ? String(process.getuid?.()) : os.userInfo().username;
  } catch {
    return undefined;
  }
  return path.join(os.tmpdir(), `rxfutures-ts-${user}`);
}
