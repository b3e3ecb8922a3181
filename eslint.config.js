// One lint config for the whole repo (STYLE.md §10).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '.fleetstream/**',
      'artifacts/**',
      'infra/kafka/jars/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    // Type-aware: a promise nobody awaits or handles is an error, and so is an async callback
    // where a void one is expected (a rejection there is lost). `void p` is allowed only for
    // a promise that handles its own failures (loops that catch and log); anything that still
    // rejects reaches the backend's unhandledRejection policy (main.ts: log and exit).
    files: ['**/*.{ts,tsx}'],
    ignores: ['vitest.config.ts', 'vitest.shared.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // kafkajs and ioredis stay behind the adapters (STYLE.md §4).
    files: ['backend/src/**/*.ts'],
    ignores: ['backend/src/infra/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['kafkajs', 'ioredis'] }],
    },
  },
  {
    files: ['web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // CLIs and launch scripts talk to a person on the terminal.
    files: ['infra/**', 'driver-simulator/src/cli.ts', '**/*.test.ts', '**/bench/**'],
    rules: { 'no-console': 'off' },
  },
);
