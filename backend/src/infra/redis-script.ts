import { createHash } from 'node:crypto';
import { Command } from 'ioredis';
import type { RedisClient } from './redis.js';

/**
 * A script call's arguments, written in Redis's wire form (RESP bulk strings) as they are
 * added, to be joined once when the call is sent.
 */
export class WireArgs {
  private readonly parts: string[] = [];
  /** How many arguments were added. */
  count = 0;

  add(a: string | number): void {
    const s = typeof a === 'string' ? a : String(a);
    this.parts.push(`$${typeof a === 'string' ? Buffer.byteLength(s) : s.length}\r\n`, s, '\r\n');
    this.count++;
  }

  /** Adds another's arguments after these. */
  append(other: WireArgs): void {
    this.parts.push(other.wire());
    this.count += other.count;
  }

  /** The arguments' wire form, all in one string. */
  wire(): string {
    return this.parts.join('');
  }
}

/** The wire form of a command's name or first argument. */
const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;

/** An ioredis command whose wire form was written beforehand; `routing` finds its hash slot. */
class WrittenCommand extends Command {
  constructor(
    name: string,
    routing: string[],
    private readonly written: string,
  ) {
    super(name, routing, { replyEncoding: 'utf8' });
  }

  override toWritable(): string {
    return this.written;
  }
}

/**
 * A Lua script for calls of many arguments: `call` sends EVALSHA with the keys and the
 * arguments' wire form as they are, and EVAL once when the server does not hold the script
 * (NOSCRIPT: restarted or flushed). ioredis's own script commands copy a call's arguments
 * several times (the method's spread, the script's, `flat()`), convert each and add it to a
 * string of thousands of pieces; for live-push's calls of thousands of arguments that was
 * about a fifth of the role's time live. Through `sendCommand` the call still follows the
 * client's reconnects, resends and, on a cluster, its keys' slot.
 */
export function wireScript(lua: string) {
  const sha = createHash('sha1').update(lua).digest('hex');
  const send = async (redis: RedisClient, cmd: WrittenCommand): Promise<unknown> => {
    void redis.sendCommand(cmd);
    return cmd.promise;
  };
  return {
    async call(redis: RedisClient, keys: readonly string[], args: WireArgs): Promise<unknown> {
      const count = 3 + keys.length + args.count;
      const body = bulk(String(keys.length)) + keys.map(bulk).join('') + args.wire();
      const routing = [sha, String(keys.length), ...keys];
      try {
        return await send(
          redis,
          new WrittenCommand(
            'evalsha',
            routing,
            `*${count}\r\n${bulk('evalsha')}${bulk(sha)}${body}`,
          ),
        );
      } catch (err) {
        if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw err;
        return send(
          redis,
          new WrittenCommand('eval', routing, `*${count}\r\n${bulk('eval')}${bulk(lua)}${body}`),
        );
      }
    },
  };
}
