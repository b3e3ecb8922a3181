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
