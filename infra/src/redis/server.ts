import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { aptInstall } from '../host.js';
import { LaunchError } from '../launch-error.js';
import { startManagedProcess, tailFile, type ManagedProcess } from '../managed-process.js';

export interface RedisServerOptions {
  port: number;
  /** Holds the append-only file and the server log. Created if missing. */
  dataDir: string;
  /** @default 15_000 */
  readyTimeoutMs?: number;
  /** More redis-server arguments (a cluster node's). @default none */
  extraArgs?: string[];
  /** The process's name in logs. @default 'redis' */
  name?: string;
}

export interface RedisServer {
  readonly url: string;
  readonly logFile: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/** Installs Debian's redis-server when it is missing (as root), or says what to install. */
export function ensureRedisServerInstalled(): Promise<void> {
  return aptInstall('redis-server', 'redis-server');
}

/**
 * One inline command over a raw socket (the launcher has no Redis client): its reply as text,
 * a bulk string's content without its header, or null when the server answers with an error,
 * closes the connection first or does not answer within a second. Simple and bulk replies
 * only: PING, CLUSTER INFO, CLUSTER NODES, INFO.
 */
export function redisCommand(port: number, command: string): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let reply = Buffer.alloc(0);
    const done = (text: string | null) => {
      socket.destroy();
      resolve(text);
    };
    socket.setTimeout(1000, () => done(null));
    socket.once('error', () => done(null));
    // Destroying the socket cancels its timeout: a server that hangs up mid-reply must end it.
    socket.once('close', () => done(null));
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (d) => {
      reply = Buffer.concat([reply, d]);
      const end = reply.indexOf('\r\n');
      if (end < 0) return;
      const head = reply.subarray(0, end).toString();
      if (head.startsWith('-')) return done(null);
      if (!head.startsWith('$')) return done(head);
      const length = Number(head.slice(1));
      if (length < 0) return done('');
      if (reply.length >= end + 2 + length)
        done(reply.subarray(end + 2, end + 2 + length).toString());
    });
  });
}

const ping = async (port: number) => (await redisCommand(port, 'PING')) === '+PONG';

/**
 * Starts a real redis-server on its own port and data dir, with the append-only file on so a
 * restart keeps state (the reliability suite restarts Redis mid-stream).
 */
export async function startRedisServer(o: RedisServerOptions): Promise<RedisServer> {
  await ensureRedisServerInstalled();
  const dataDir = path.resolve(o.dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  const logFile = path.join(dataDir, 'redis.log');
  const proc = startManagedProcess({
    name: o.name ?? 'redis',
    command: 'redis-server',
    args: [
      '--port',
      String(o.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dataDir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      // Rewrite the append-only file only once it is 256 MB (and has doubled since the last
      // rewrite), not 64: each rewrite is a child that writes the whole dataset out, and at
      // 10,000 fixes/s the default made 13 in an 80 s run (about 9 % of a core; S2 in
      // docs/benchmarks.md, 2026-12-07).
      '--auto-aof-rewrite-min-size',
      '256mb',
      '--save',
      '',
      '--daemonize',
      'no',
      '--logfile',
      logFile,
      ...(o.extraArgs ?? []),
    ],
    logFile: path.join(dataDir, 'stdout.log'),
  });
  let exitedWith: number | string | undefined;
  void proc.exited.then((c) => (exitedWith = c));
  // Counted from the spawn, not from when start-up began (installs may take a minute).
  const deadline = Date.now() + (o.readyTimeoutMs ?? 15_000);
  while (!(await ping(o.port))) {
    if (exitedWith !== undefined) {
      throw new LaunchError(
        `redis-server exited during start-up (${exitedWith}); see ${logFile}:\n${tailFile(logFile, 5)}`,
      );
    }
    if (Date.now() > deadline) {
      await proc.stop(2_000);
      throw new LaunchError(`redis-server was not ready in time; its log is ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `redis://127.0.0.1:${o.port}`,
    logFile,
    process: proc,
    stop: () => proc.stop(10_000),
  };
}
