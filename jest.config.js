/** Jest runs the TypeScript specs through ts-jest; the thread pool's worker entry is the built one in dist/. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    // The NestJS example and its spec need Nest's legacy decorators: their own tsconfig (the first match wins).
    '/(examples/nest-backend/.+|spec/examples/nestBackend\\.spec)\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/examples/nest-backend/tsconfig.json', diagnostics: { warnOnly: false } }],
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: { warnOnly: false } }],
  },
  testTimeout: 30000,
  // A Jest worker that grew past this after a spec file is replaced: what specs leave behind (ts-jest's
  // programs, big results) does not pile up across the suite (peak RSS under 1.2 GB, issue #17).
  workerIdleMemoryLimit: '600MB',
  // Examples import the package by name, as users do.
  moduleNameMapper: { '^rxfutures$': '<rootDir>/lib/index.ts', '^rxfutures/testing$': '<rootDir>/lib/testing/index.ts' },
};
