// ESLint (flat config): type-aware rules that catch what RxJS and promise code
// gets wrong silently. `npm run lint` runs tsc --noEmit, then this.
import tseslint from 'typescript-eslint';
import rxjsX from 'eslint-plugin-rxjs-x';

export default tseslint.config(
  {
    ignores: ['dist/**', 'docs/api/**', 'node_modules/**', 'coverage/**', '.tmp/**', '.dist-next-*/**',
      // The Nest example compiles with its own tsconfig (decorators); tsc -p examples/nest-backend checks it.
      'examples/nest-backend/**', 'spec/examples/nestBackend.spec.ts', '**/*.js', '**/*.mjs', '**/*.cjs'],
  },
  {
    files: ['lib/**/*.ts', 'examples/**/*.ts', 'demo/**/*.ts', 'spec/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin, 'rxjs-x': rxjsX },
    // Directives for rules this config does not enable (no-console, no-require-imports) are left alone.
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      // A promise nobody awaits or catches: its failure is lost (or an unhandled rejection).
      '@typescript-eslint/no-floating-promises': 'error',
      // An Observable created and dropped does nothing; a Subscription dropped can never be stopped.
      'rxjs-x/no-floating-observables': 'error',
      'rxjs-x/no-ignored-subscription': 'error',
      // takeUntil before an operator that subscribes on its own (switchMap, …) leaks that inner subscription.
      'rxjs-x/no-unsafe-takeuntil': 'error',
      // rxjs/internal/* is not public API (STYLE.md).
      'rxjs-x/no-internal': 'error',
    },
  },
  {
    // Type specs build Observables only to check their types at compile time.
    files: ['spec/types/**/*.ts'],
    rules: { 'rxjs-x/no-floating-observables': 'off' },
  },
);
