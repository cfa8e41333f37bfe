/**
 * The demo's task module: what runs on the worker threads. One call scans
 * one file: its sha256 and the lines that match the pattern.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** What scanning one file finds. */
export interface FileScan {
  path: string;
  bytes: number;
  sha256: string;
  /** Matching lines, at most `maxHits` of them, as `line number: text`. */
  hits: string[];
  /** How many lines matched in all. */
  matches: number;
}

/**
 * Hashes a file and searches it for `pattern` (a regular expression source,
 * case-insensitive). Binary files are hashed but not searched.
 */
export function scanFile(path: string, pattern: string, maxHits = 3): FileScan {
  const data = readFileSync(path);
  const sha256 = createHash('sha256').update(data).digest('hex');
  const result: FileScan = { path, bytes: data.length, sha256, hits: [], matches: 0 };
  if (data.includes(0)) return result; // binary
  const re = new RegExp(pattern, 'i');
  const lines = data.toString('utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!re.test(lines[i])) continue;
    result.matches += 1;
    if (result.hits.length < maxHits) result.hits.push(`${i + 1}: ${lines[i].trim().slice(0, 100)}`);
  }
  return result;
}

/** One-argument form for `mapUnordered$`, which passes each source value as the only argument. */
export function scanEntry(entry: [path: string, pattern: string]): FileScan {
  return scanFile(entry[0], entry[1]);
}
