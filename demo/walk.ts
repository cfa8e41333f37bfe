import { opendir } from 'node:fs/promises';
import path from 'node:path';

/** Every regular file under `root`, depth first, as an async iterable (symlinks are not followed). */
export async function* walk(root: string): AsyncGenerator<string> {
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let entries;
    try {
      entries = await opendir(dir);
    } catch {
      continue; // unreadable: skip
    }
    for await (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) pending.push(full);
      else if (entry.isFile()) yield full;
    }
  }
}
