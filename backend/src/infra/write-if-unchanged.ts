import { readFileSync } from 'node:fs';
import type { RedisClient } from './redis.js';

/** A hash field that must still hold `expected` ('' for missing) for a write to happen. */
export interface FieldCondition {
  key: string;
  field: string;
  expected: string;
}

/** One Redis command and its arguments, e.g. `['HSET', key, 'f', 'v']`. */
export type RedisCommand = (string | number)[];

/** One command called once per `arity` arguments, e.g. PUBLISH with channel, message pairs. */
export interface RepeatedCommand {
  repeat: string;
  arity: number;
  args: (string | number)[];
}

const LUA = readFileSync(new URL('./lua/write-if-unchanged.lua', import.meta.url), 'utf8');

type Scripted = RedisClient & { fsWriteIfUnchanged(...args: (string | number)[]): Promise<number> };

/** Arguments never passed to one unpack at once (Lua's C stack holds about 8,000). */
export const MAX_COMMAND_ARGS = 4000;

/**
 * Runs `commands` atomically (one script call), but only while every condition holds: the
 * compare-and-set by which a consumer writes back state it keeps in memory. Resolves false,
 * having changed nothing, when a condition failed.
 */
export async function writeIfUnchanged(
  redis: RedisClient,
  conditions: readonly FieldCondition[],
  commands: readonly (RedisCommand | RepeatedCommand)[],
): Promise<boolean> {
  const r = redis as Scripted;
  if (!('fsWriteIfUnchanged' in redis))
    redis.defineCommand('fsWriteIfUnchanged', { numberOfKeys: 0, lua: LUA });
  const argv: (string | number)[] = [conditions.length];
  for (const c of conditions) argv.push(c.key, c.field, c.expected);
  for (const command of commands) {
    if (!Array.isArray(command)) {
      if (command.args.length === 0) continue;
      argv.push(0, command.repeat, command.arity, command.args.length / command.arity);
      for (const a of command.args) argv.push(a);
      continue;
    }
    if (command.length > MAX_COMMAND_ARGS)
      throw new RangeError(`a command of ${command.length} arguments is too long for one script`);
    for (const a of [command.length, ...command]) argv.push(a);
  }
  return (await r.fsWriteIfUnchanged(...argv)) === 1;
}
