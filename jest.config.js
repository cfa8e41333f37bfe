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
  // A Jest worker whose heap (heapUsed) is past this after a spec file is replaced: what specs leave
  // behind (ts-jest's programs, big results, module registries) does not pile up across the suite (issue
  // #17). Setting it makes Jest run the files in a worker process even on 2 cores (one worker), not in
  // band. Measured there: at 600MB the worker's RSS climbed to ~800 MB by the end of the suite (heapUsed
  // stayed under the limit), the tree's peak over 1 GB; at 200MB it is recycled as soon as a file left
  // a big heap, the tree's peak on spec/rx+internal+testing+asyncExecutor 532-620 → 464-468 MB, and the
  // CPU is no higher (17.8-18.8 → 17.5-17.7 s there; spec/threadPool+executors 47.3 → 44.7 s): a new
  // worker (transforms come from Jest's cache) costs less than collecting an old, big heap. Two workers
  // cost 13 % more CPU (278 s vs 246 s) and a 1.97 GB peak for 6 % less wall time: one stays.
  workerIdleMemoryLimit: '200MB',
  // Examples import the package by name, as users do.
  moduleNameMapper: { '^rxfutures$': '<rootDir>/lib/index.ts', '^rxfutures/testing$': '<rootDir>/lib/testing/index.ts' },
};
