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

/** A write's arguments: its conditions (triples) and its commands, encoded for the script. */
interface EncodedWrite {
  conditions: number;
  args: (string | number)[];
  /** Where the commands start in `args`. */
  commandsAt: number;
}

function encodeWrite(
  conditions: readonly FieldCondition[],
  commands: readonly (RedisCommand | RepeatedCommand)[],
): EncodedWrite {
  const args: (string | number)[] = [];
  for (const c of conditions) args.push(c.key, c.field, c.expected);
  const commandsAt = args.length;
  for (const command of commands) {
    if (!Array.isArray(command)) {
      if (command.args.length === 0) continue;
      args.push(0, command.repeat, command.arity, command.args.length / command.arity);
      for (const a of command.args) args.push(a);
      continue;
    }
    if (command.length > MAX_COMMAND_ARGS)
      throw new RangeError(`a command of ${command.length} arguments is too long for one script`);
    args.push(command.length);
    for (const a of command) args.push(a);
  }
  return { conditions: conditions.length, args, commandsAt };
}

/** One script call holding several writes: all their conditions, then all their commands. */
async function callScript(redis: RedisClient, writes: readonly EncodedWrite[]): Promise<boolean> {
  const r = redis as Scripted;
  if (!('fsWriteIfUnchanged' in redis))
    redis.defineCommand('fsWriteIfUnchanged', { numberOfKeys: 0, lua: LUA });
  let n = 0;
  for (const w of writes) n += w.conditions;
  const argv: (string | number)[] = [n];
  for (const w of writes) for (let i = 0; i < w.commandsAt; i++) argv.push(w.args[i]!);
  for (const w of writes) for (let i = w.commandsAt; i < w.args.length; i++) argv.push(w.args[i]!);
  return (await r.fsWriteIfUnchanged(...argv)) === 1;
}

/**
 * Runs `commands` atomically (one script call), but only while every condition holds: the
 * compare-and-set by which a consumer writes back state it keeps in memory. Resolves false,
 * having changed nothing, when a condition failed.
 */
export function writeIfUnchanged(
  redis: RedisClient,
  conditions: readonly FieldCondition[],
  commands: readonly (RedisCommand | RepeatedCommand)[],
): Promise<boolean> {
  return callScript(redis, [encodeWrite(conditions, commands)]);
}

/** Arguments of the writes merged into one script call, at most (unless one write has more). */
const MERGED_ARGS = 40_000;

/**
 * `writeIfUnchanged`, with the writes asked for in one event-loop turn merged into one script
 * call: a member's partitions of one fetch (a chunk each, about one fix per delivery at 1 Hz)
 * cost Redis and the client one call instead of one each, which is most of a small chunk's
 * cost. The writes must be independent (disjoint conditions and keys, as two partitions' are):
 * merged, they happen together or not at all; when a merged call finds a condition changed,
 * each write is tried alone, so each caller still gets its own answer.
 */
export function createMergedWriter(redis: RedisClient) {
  let queue: { write: EncodedWrite; done(ok: boolean): void; failed(err: unknown): void }[] = [];
  const alone = (q: (typeof queue)[number]) => callScript(redis, [q.write]).then(q.done, q.failed);
  const run = (group: typeof queue) => {
    if (group.length === 1) return void alone(group[0]!);
    callScript(
      redis,
      group.map((q) => q.write),
    ).then(
      (ok) => {
        if (ok) for (const q of group) q.done(true);
        else for (const q of group) void alone(q);
      },
      (err: unknown) => {
        for (const q of group) q.failed(err);
      },
    );
  };
  const flush = () => {
    const calls = queue;
    queue = [];
    let group: typeof queue = [];
    let size = 0;
    for (const q of calls) {
      if (group.length > 0 && size + q.write.args.length > MERGED_ARGS) {
        run(group);
        group = [];
        size = 0;
      }
      group.push(q);
      size += q.write.args.length;
    }
    if (group.length > 0) run(group);
  };
  return (
    conditions: readonly FieldCondition[],
    commands: readonly (RedisCommand | RepeatedCommand)[],
  ): Promise<boolean> => {
    const write = encodeWrite(conditions, commands);
    return new Promise((done, failed) => {
      // The turn's other writers (the fetch's other partitions) queue before this runs.
      if (queue.length === 0) setImmediate(flush);
      queue.push({ write, done, failed });
    });
  };
}
