import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.join(__dirname, '../..');

/** @test TypeScript task modules under tsx (ts-jest is covered by every other thread-pool spec) */
describe('TypeScript task modules', () => {
  it('should run under tsx with no set-up (workers inherit --import tsx)', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '../fixtures/tsx/main.ts')], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(JSON.parse(out)).toEqual({ results: [42, 4], error: { name: 'TypeError', code: 'E_FAIL' } });
  });
});
