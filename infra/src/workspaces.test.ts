import fs from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './paths.js';

/**
 * The workspaces' boundaries: each imports another only by package name, declares it in its
 * package.json, and the graph of those declarations has no cycle. Lint (eslint.config.js)
 * refuses the relative path that would get around this; the last tests show it does.
 */
const rootPackage = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  workspaces: string[];
};
const SOURCE = /\.(ts|tsx|mts|js|mjs)$/;
const SKIP = new Set(['node_modules', 'dist', 'jars']);
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](@fleetstream\/[a-z-]+)/g;

interface Workspace {
  dir: string;
  name: string;
  declared: Set<string>;
  used: Map<string, string>;
}

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return SKIP.has(e.name) || e.name.startsWith('.') ? [] : sources(p);
    return SOURCE.test(e.name) ? [p] : [];
  });
}

const workspaces: Workspace[] = rootPackage.workspaces.map((dir) => {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, dir, 'package.json'), 'utf8')) as {
    name: string;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const declared = new Set(
    Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((d) =>
      d.startsWith('@fleetstream/'),
    ),
  );
  /** Each workspace package it imports, with one file that does. */
  const used = new Map<string, string>();
  for (const file of sources(path.join(repoRoot, dir)))
    for (const m of fs.readFileSync(file, 'utf8').matchAll(IMPORT))
      if (!used.has(m[1]!)) used.set(m[1]!, path.relative(repoRoot, file));
  return { dir, name: pkg.name, declared, used };
});

describe('workspaces', () => {
  it('declare every workspace package they import', () => {
    const undeclared = workspaces.flatMap((w) =>
      [...w.used]
        .filter(([pkg]) => pkg !== w.name && !w.declared.has(pkg))
        .map(([pkg, file]) => `${w.name} imports ${pkg} (${file}) without declaring it`),
    );
    expect(undeclared).toEqual([]);
  });

  it('depend on each other without a cycle', () => {
    const byName = new Map(workspaces.map((w) => [w.name, w]));
    const cycles: string[] = [];
    const visit = (name: string, trail: string[]) => {
      if (trail.includes(name)) {
        cycles.push([...trail.slice(trail.indexOf(name)), name].join(' → '));
        return;
      }
      for (const dep of byName.get(name)?.declared ?? []) visit(dep, [...trail, name]);
    };
    for (const w of workspaces) visit(w.name, []);
    expect(cycles).toEqual([]);
  });
});

// Type-aware lint of a file loads the TypeScript project: seconds, more than a unit test's default.
describe('lint', { timeout: 60_000 }, () => {
  const eslint = new ESLint({ cwd: repoRoot });
  const messages = async (code: string, filePath: string) =>
    (await eslint.lintText(code, { filePath: path.join(repoRoot, filePath) }))
      .flatMap((r) => r.messages)
      .map((m) => `${m.ruleId ?? ''}: ${m.message}`);

  it('refuses a relative import into another workspace, not one within the workspace', async () => {
    const crossing = await messages(
      "import { loadConfig } from '../../backend/src/config.js';\nexport default loadConfig;\n",
      'infra/scripts/boundary-probe.mjs',
    );
    expect(crossing).toEqual([
      expect.stringMatching(/^fleetstream\/no-cross-workspace-import: .*backend workspace/),
    ]);
    const within = await messages(
      "import { repoRoot } from '../src/paths.js';\nexport default repoRoot;\n",
      'infra/scripts/boundary-probe.mjs',
    );
    expect(within).toEqual([]);
  });

  it('refuses kafkajs and ioredis outside the adapters', async () => {
    const code = "import { Kafka } from 'kafkajs';\nexport const client = Kafka;\n";
    // Anywhere in the repository: the backend's domain, an end-to-end test.
    for (const file of ['backend/src/domain/nearby.ts', 'e2e/src/analytics.int.test.ts'])
      expect(await messages(code, file), file).toEqual([
        expect.stringMatching(/^no-restricted-imports: .*kafkajs/),
      ]);
    // Adapter folders: the backend's, and the test kit's door to the clients.
    for (const file of ['backend/src/infra/kafka-probe.ts', 'testkit/src/clients.ts'])
      expect(await messages(code, file), file).toEqual([]);
  }, 60_000);
});
