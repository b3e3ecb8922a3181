import { pino, type Logger } from 'pino';

export type { Logger };

/** The one logger: JSON for machines, pretty on a terminal (STYLE.md §11). */
export function createLogger(opts: { level: string; pretty: boolean; name?: string }): Logger {
  return pino({
    level: opts.level,
    name: opts.name,
    base: { pid: process.pid },
    ...(opts.pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' },
          },
        }
      : {}),
  });
}
