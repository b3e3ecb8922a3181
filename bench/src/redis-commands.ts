import { Redis } from '@fleetstream/testkit/clients';

/** Redis's INFO commandstats at one moment: calls and microseconds per command name. */
export type CommandStats = Record<string, { calls: number; usec: number }>;

/** What Redis did per fix over a window: how far a fleet can grow on one Redis decides on it. */
export interface RedisPerFix {
  /** Commands per fix, those run inside scripts included, the script calls themselves not. */
  commands: number;
  /** Script calls (EVALSHA, EVAL, FCALL) per fix. */
  scripts: number;
  /** Per command name (lower case, scripts included), most frequent first. */
  byCommand: { command: string; calls: number; usec: number }[];
}

const SCRIPT_CALLS = new Set(['evalsha', 'eval', 'fcall', 'evalsha_ro', 'eval_ro', 'fcall_ro']);
/** The benchmark's own reads of Redis, not the platform's. */
const OURS = new Set(['info', 'ping', 'hello', 'client|setname', 'client|setinfo']);

export function parseCommandStats(info: string): CommandStats {
  const stats: CommandStats = {};
  for (const line of info.split(/\r?\n/)) {
    const m = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line);
    if (m) stats[m[1]!] = { calls: Number(m[2]), usec: Number(m[3]) };
  }
  return stats;
}

/**
 * commandstats added up over Redis processes (standalone URLs): the one server, or a cluster's
 * primaries (a replica's commands are its primary's, replayed).
 */
export async function readCommandStats(urls: readonly string[]): Promise<CommandStats> {
  const all = await Promise.all(
    urls.map(async (url) => {
      const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await redis.connect();
        return parseCommandStats(await redis.info('commandstats'));
      } finally {
        redis.disconnect();
      }
    }),
  );
  const sum: CommandStats = {};
  for (const stats of all)
    for (const [command, c] of Object.entries(stats)) {
      const s = (sum[command] ??= { calls: 0, usec: 0 });
      s.calls += c.calls;
      s.usec += c.usec;
    }
  return sum;
}

/** Commands per fix between two readings of commandstats, over `fixes` fixes. */
export function perFix(before: CommandStats, after: CommandStats, fixes: number): RedisPerFix {
  const byCommand = Object.entries(after)
    .filter(([command]) => !OURS.has(command))
    .map(([command, a]) => ({
      command,
      calls: (a.calls - (before[command]?.calls ?? 0)) / fixes,
      usec: (a.usec - (before[command]?.usec ?? 0)) / fixes,
    }))
    .filter((c) => c.calls > 0)
    .sort((x, y) => y.calls - x.calls);
  const sum = (pick: (c: (typeof byCommand)[number]) => boolean) =>
    byCommand.filter(pick).reduce((n, c) => n + c.calls, 0);
  return {
    commands: sum((c) => !SCRIPT_CALLS.has(c.command)),
    scripts: sum((c) => SCRIPT_CALLS.has(c.command)),
    byCommand,
  };
}
