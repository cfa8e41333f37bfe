'use strict';
/**
 * Makes package-lock.json complete for `npm ci` on registries that lack some
 * platform builds (this workplace's npm mirror, for one).
 *
 * npm records every optional platform package of a dependency (esbuild's,
 * jest's unrs-resolver's, msgpackr's) in the lock. When the registry does not
 * have a platform's build at the pinned version, `npm install` silently
 * leaves it out — and `npm ci` then refuses the lock as out of sync. Those
 * packages are never installed on our platform anyway, so this adds an entry
 * for each missing one with its os/cpu (read from the registry's nearest
 * version), which is all `npm ci` needs to skip it.
 *
 * Run after changing dependencies: `npm install && node scripts/complete-lock.js`.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const lockPath = path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
const packages = lock.packages;

function platformOf(name) {
  try {
    const out = execFileSync('npm', ['view', name, 'os', 'cpu', 'libc', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.trim() ? JSON.parse(out) : {};
  } catch {
    return {};
  }
}

let added = 0;
for (const [where, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${where ? `${where}/` : ''}node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (packages[nested] || packages[hoisted]) continue;
    const platform = platformOf(name);
    packages[hoisted] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...(platform.os ? { os: [].concat(platform.os) } : {}),
      ...(platform.cpu ? { cpu: [].concat(platform.cpu) } : {}),
      ...(platform.libc ? { libc: [].concat(platform.libc) } : {}),
    };
    added += 1;
    console.log(`added ${hoisted}@${version} ${JSON.stringify(platform)}`);
  }
}
const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
lock.packages = sorted;
fs.writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
console.log(`${added} missing optional platform package(s) recorded`);
