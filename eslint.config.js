// One lint config for the whole repo (STYLE.md §10).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import fs from 'node:fs';
import path from 'node:path';

/** The npm workspaces (the root package.json's list): each imports another only by its package name (@fleetstream/<name>). */
const WORKSPACES = JSON.parse(
  fs.readFileSync(path.join(import.meta.dirname, 'package.json'), 'utf8'),
).workspaces;
const workspaceOf = (file) => {
  const top = path.relative(import.meta.dirname, file).split(path.sep)[0];
  return WORKSPACES.includes(top) ? top : null;
};

/**
 * `fleetstream/no-cross-workspace-import`: a relative import that lands in another workspace
 * is an error. It would bypass that workspace's package exports and its place in the
 * dependency graph (infra/src/workspaces.test.ts checks the graph has no cycle).
 */
const noCrossWorkspaceImport = {
  meta: {
    type: 'problem',
    messages: {
      cross:
        "'{{source}}' reaches into the {{target}} workspace by a relative path: import it as " +
        '@fleetstream/{{target}}/… and declare the dependency in package.json',
    },
  },
  create(context) {
    const own = workspaceOf(context.filename);
    const check = (node) => {
      const source = node.source?.value;
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const target = workspaceOf(path.resolve(path.dirname(context.filename), source));
      // Files at the root (the shared vitest settings) belong to no workspace.
      if (target !== null && target !== own)
        context.report({ node: node.source, messageId: 'cross', data: { source, target } });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

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
    plugins: { fleetstream: { rules: { 'no-cross-workspace-import': noCrossWorkspaceImport } } },
    rules: {
      'fleetstream/no-cross-workspace-import': 'error',
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
    ignores: ['vitest.config.ts', 'vitest.shared.ts', 'vitest.setup.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // kafkajs and ioredis stay behind the adapters (STYLE.md §4), everywhere. The adapter
    // folders: the shared Kafka adapter (client, topics, producer); the backend's; the launcher's broker
    // admin; the raw-client ceilings of the benchmarks, which measure the bare clients; the
    // test kit's door to the clients; the image's health check, a standalone script.
    files: ['**/*.{ts,tsx,js,mjs}'],
    ignores: [
      'kafka/src/**',
      'backend/src/infra/**',
      'infra/src/kafka/**',
      'bench/src/ceilings/**',
      'testkit/src/clients.ts',
      'infra/docker/healthcheck.mjs',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'kafkajs', message: 'kafkajs is used through an adapter (STYLE.md §4).' },
            { name: 'ioredis', message: 'ioredis is used through an adapter (STYLE.md §4).' },
          ],
        },
      ],
    },
  },
  {
    files: ['web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // CLIs and launch scripts talk to a person on the terminal.
    files: [
      'infra/**',
      'bench/**',
      'e2e/**',
      'testkit/**',
      'driver-simulator/src/cli.ts',
      '**/*.test.ts',
    ],
    rules: { 'no-console': 'off' },
  },
);
