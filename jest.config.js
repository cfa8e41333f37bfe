/** Jest runs the TypeScript specs through ts-jest; the thread pool's worker entry is the built one in dist/. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  // Transpile only (tsconfig.json has isolatedModules: ts-jest then uses TypeScript's transpileModule):
  // type-checking every spec file in Jest's workers cost most of the suite's CPU and memory. Types are
  // checked once, over lib, spec and examples, by `tsc --noEmit` in `npm test` (spec/types included).
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
  },
  testTimeout: 30000,
  // A Jest worker that grew past this after a spec file is replaced: what specs leave behind (ts-jest's
  // programs, big results) does not pile up across the suite (peak RSS under 1.2 GB, issue #17).
  workerIdleMemoryLimit: '600MB',
  // Examples import the package by name, as users do.
  moduleNameMapper: { '^rxfutures$': '<rootDir>/lib/index.ts', '^rxfutures/testing$': '<rootDir>/lib/testing/index.ts' },
};
