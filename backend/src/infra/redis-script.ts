import { createHash } from 'node:crypto';
import { Command } from 'ioredis';
import type { RedisClient } from './redis.js';

/** Room kept before a command's arguments for its header, `*<count>\r\n`. */
const HEADER_ROOM = 16;
/** Strings up to this long are written a character at a time when they are ASCII. */
const SHORT = 32;

/**
 * A script call's arguments, written in Redis's wire form (RESP bulk strings) into one buffer as
 * they are added: no string per argument, no join, nothing to encode again when it is sent.
 */
export class WireArgs {
  private buf = Buffer.allocUnsafe(4096);
  private at = HEADER_ROOM;
  /** How many arguments were added. */
  count = 0;

  private room(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + bytes) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  /** Writes `s`, ASCII only, at the end (room already made). */
  private ascii(s: string): void {
    const buf = this.buf;
    let at = this.at;
    for (let i = 0; i < s.length; i++) buf[at++] = s.charCodeAt(i);
    this.at = at;
  }

  add(a: string | number): void {
    const s = typeof a === 'string' ? a : String(a);
    let ascii = s.length <= SHORT;
    for (let i = 0; ascii && i < s.length; i++) if (s.charCodeAt(i) > 127) ascii = false;
    const bytes = ascii ? s.length : Buffer.byteLength(s);
    this.room(bytes + 16);
    this.buf[this.at++] = 36; // $
    this.ascii(String(bytes));
    this.buf[this.at++] = 13;
    this.buf[this.at++] = 10;
    if (ascii) this.ascii(s);
    else this.at += this.buf.write(s, this.at);
    this.buf[this.at++] = 13;
    this.buf[this.at++] = 10;
    this.count++;
  }

  /** Adds another's arguments after these. */
  append(other: WireArgs): void {
    const bytes = other.at - HEADER_ROOM;
    this.room(bytes);
    other.buf.copy(this.buf, this.at, HEADER_ROOM, other.at);
    this.at += bytes;
    this.count += other.count;
  }

  /** These arguments as a whole command: `*<count>\r\n` and them. */
  command(): Buffer {
    const header = `*${this.count}\r\n`;
    const start = HEADER_ROOM - header.length;
    this.buf.write(header, start, 'latin1');
    return this.buf.subarray(start, this.at);
  }
}

/** An ioredis command whose wire form was written beforehand; `routing` finds its hash slot. */
class WrittenCommand extends Command {
  constructor(
    name: string,
    routing: string[],
    private readonly written: Buffer,
  ) {
    super(name, routing, { replyEncoding: 'utf8' });
  }

  override toWritable(): Buffer {
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
  const send = (
    redis: RedisClient,
    name: 'evalsha' | 'eval',
    keys: readonly string[],
    args: WireArgs,
  ): Promise<unknown> => {
    const w = new WireArgs();
    w.add(name);
    w.add(name === 'eval' ? lua : sha);
    w.add(keys.length);
    for (const k of keys) w.add(k);
    w.append(args);
    const cmd = new WrittenCommand(name, [sha, String(keys.length), ...keys], w.command());
    void redis.sendCommand(cmd);
    return cmd.promise;
  };
  return {
    async call(redis: RedisClient, keys: readonly string[], args: WireArgs): Promise<unknown> {
      try {
        return await send(redis, 'evalsha', keys, args);
      } catch (err) {
        if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw err;
        return send(redis, 'eval', keys, args);
      }
    },
  };
}
