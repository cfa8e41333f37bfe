import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kTranspileCacheEnv, readTranspiled, transpileCacheDir, transpileCacheKey, writeTranspiled } from '../../lib/internal/transpileCache';

// Another local user, where the spec can play one (as root: chown to nobody).
const asRoot = process.getuid?.() === 0;
const kNobody = 65534;

const input = { typescript: '6.0.3', options: { module: 'CommonJS' }, fileName: '/app/tasks.ts', source: 'export const x: number = 1;' };
const code = '"use strict";\nexports.x = 1;\n';

/** @test {transpileCacheDir} {readTranspiled} {writeTranspiled} */
describe('transpileCache', () => {
  let tmp: string;
  let dir: string;
  const key = transpileCacheKey(input);
  const entry = (k = key): string => path.join(dir, `${k}.js`);

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rxfutures-tscache-'));
    dir = transpileCacheDir({ [kTranspileCacheEnv]: path.join(tmp, 'cache') })!;
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('transpileCacheKey', () => {
    it('should change with the typescript version, the options, the file and the source', () => {
      const keys = new Set([
        key,
        transpileCacheKey({ ...input, typescript: '5.9.3' }),
        transpileCacheKey({ ...input, options: { module: 'ESNext' } }),
        transpileCacheKey({ ...input, fileName: '/app/other.ts' }),
        transpileCacheKey({ ...input, source: input.source + ' ' }),
      ]);
      expect(keys.size).toBe(5);
      expect(key).toMatch(/^[0-9a-f]{64}$/);
      expect(transpileCacheKey({ ...input })).toBe(key);
    });
  });

  describe('transpileCacheDir', () => {
    it('should make a per-user directory with mode 0700 under the temp dir by default', () => {
      const made = transpileCacheDir({})!;
      expect(made).toBe(path.join(os.tmpdir(), `rxfutures-ts-${process.getuid!()}`));
      const stats = fs.lstatSync(made);
      expect(stats.isDirectory()).toBe(true);
      expect(stats.uid).toBe(process.getuid!());
      expect(stats.mode & 0o022).toBe(0);
      // A new directory is made 0700 (the one above may be older than this spec).
      expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    });

    it.each(['0', 'false', 'off', 'OFF'])('should be off with %s=%s', (value) => {
      expect(transpileCacheDir({ [kTranspileCacheEnv]: value })).toBeUndefined();
    });

    it('should refuse a directory others can write to', () => {
      const open = path.join(tmp, 'open');
      fs.mkdirSync(open, { mode: 0o700 });
      fs.chmodSync(open, 0o777);
      expect(transpileCacheDir({ [kTranspileCacheEnv]: open })).toBeUndefined();
      fs.chmodSync(open, 0o775);
      expect(transpileCacheDir({ [kTranspileCacheEnv]: open })).toBeUndefined();
      fs.chmodSync(open, 0o755);
      expect(transpileCacheDir({ [kTranspileCacheEnv]: open })).toBe(open);
    });

    it('should refuse a symlink, even to a good directory', () => {
      const link = path.join(tmp, 'link');
      fs.symlinkSync(dir, link, 'dir');
      expect(transpileCacheDir({ [kTranspileCacheEnv]: link })).toBeUndefined();
    });

    it('should refuse a path that is a file', () => {
      const file = path.join(tmp, 'file');
      fs.writeFileSync(file, '');
      expect(transpileCacheDir({ [kTranspileCacheEnv]: file })).toBeUndefined();
    });

    (asRoot ? it : it.skip)("should refuse a directory another user made first (the attacker's plant in /tmp)", () => {
      const planted = path.join(tmp, 'planted');
      fs.mkdirSync(planted, { mode: 0o700 });
      fs.chownSync(planted, kNobody, kNobody);
      expect(transpileCacheDir({ [kTranspileCacheEnv]: planted })).toBeUndefined();
    });
  });

  describe('entries', () => {
    it('should read back what was written (a hit), as a private file', () => {
      writeTranspiled(dir, key, code);
      expect(readTranspiled(dir, key)).toBe(code);
      expect(fs.statSync(entry()).mode & 0o777).toBe(0o600);
      // Written through a temporary file renamed into place: nothing else is left.
      expect(fs.readdirSync(dir)).toEqual([`${key}.js`]);
    });

    it('should miss a key never written', () => {
      writeTranspiled(dir, key, code);
      expect(readTranspiled(dir, transpileCacheKey({ ...input, source: 'export {};' }))).toBeUndefined();
    });

    it('should ignore an entry whose code was changed, cut short or emptied', () => {
      writeTranspiled(dir, key, code);
      const whole = fs.readFileSync(entry(), 'utf8');
      fs.writeFileSync(entry(), whole.replace('exports.x = 1', 'exports.x = 2'));
      expect(readTranspiled(dir, key)).toBeUndefined();
      fs.writeFileSync(entry(), whole.slice(0, -3));
      expect(readTranspiled(dir, key)).toBeUndefined();
      fs.writeFileSync(entry(), '');
      expect(readTranspiled(dir, key)).toBeUndefined();
      fs.writeFileSync(entry(), whole);
      expect(readTranspiled(dir, key)).toBe(code);
    });

    it("should ignore a good entry stored under another module's key", () => {
      const other = transpileCacheKey({ ...input, fileName: '/app/other.ts' });
      writeTranspiled(dir, key, code);
      fs.copyFileSync(entry(), entry(other));
      expect(readTranspiled(dir, other)).toBeUndefined();
    });

    it('should ignore an entry that is a symlink, even to a good entry', () => {
      const other = transpileCacheKey({ ...input, fileName: '/app/other.ts' });
      writeTranspiled(dir, other, code);
      fs.symlinkSync(entry(other), entry());
      expect(readTranspiled(dir, key)).toBeUndefined();
    });

    it('should ignore an entry others can write to', () => {
      writeTranspiled(dir, key, code);
      fs.chmodSync(entry(), 0o666);
      expect(readTranspiled(dir, key)).toBeUndefined();
    });

    (asRoot ? it : it.skip)('should ignore a well-formed entry owned by another user', () => {
      writeTranspiled(dir, key, code);
      fs.chownSync(entry(), kNobody, kNobody);
      expect(readTranspiled(dir, key)).toBeUndefined();
    });

    it('should ignore a directory where the entry should be', () => {
      fs.mkdirSync(entry());
      expect(readTranspiled(dir, key)).toBeUndefined();
    });

    it('should not throw when the directory cannot be written', () => {
      expect(() => writeTranspiled(path.join(tmp, 'missing'), key, code)).not.toThrow();
      expect(readTranspiled(path.join(tmp, 'missing'), key)).toBeUndefined();
    });

    it('should refuse a key that is not one (no path in the name)', () => {
      expect(() => writeTranspiled(dir, '../escape', code)).toThrow(RangeError);
      expect(readTranspiled(dir, '../escape')).toBeUndefined();
      expect(fs.readdirSync(tmp)).toEqual(['cache']);
    });
  });
});
