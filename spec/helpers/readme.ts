import fs from 'node:fs';
import path from 'node:path';

const root = path.join(__dirname, '../..');

/** README.md, as published. */
export const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

/** A page of docs/. */
export const doc = (name: string): string => fs.readFileSync(path.join(root, 'docs', name), 'utf8');

/** The first ```ts block under the heading `## title` (of README.md, or of `text`), or the first one containing `marker`. */
export function snippet(title: string, text = readme, marker = ''): string {
  const section = text.split(/^## /m).find((s) => s.startsWith(`${title}\n`));
  const code = [...(section ?? '').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).find((c) => c.includes(marker));
  if (code === undefined) throw new Error(`no \`\`\`ts block under "## ${title}"`);
  return code;
}

/** The task module the README's pipeline names in its comment: `export function isPrime(n: number): boolean`. */
export const kReadmeTasks = `export function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}
`;

/** The oracle for the pipeline's output, written apart from the task module. */
export function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}
