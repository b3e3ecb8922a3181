import { createRequire, Module } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Puts `exports` in the place of the kafkajs module at `path` (resolved from here) for every
 * later `require` of it: kafkajs is pinned and in maintenance mode, so its fixes and faster
 * parts replace its modules before kafkajs loads them. Returns the module's resolved path.
 */
export function replaceKafkajsModule(path: string, exports: unknown): string {
  const resolved = require.resolve(path);
  if (require.cache[resolved]?.exports === exports) return resolved;
  const mod = new Module(resolved);
  mod.filename = resolved;
  mod.loaded = true;
  mod.exports = exports;
  require.cache[resolved] = mod;
  return resolved;
}
