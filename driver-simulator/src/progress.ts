import type { RunStatus } from './simulator.js';

export interface ProgressOptions {
  /** Where lines go (stderr by default, so stdout stays free for data). */
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** Rewrites one status line in place when true; prints a plain line per interval otherwise. */
  tty: boolean;
  /** @default 500 on a TTY, 10000 otherwise */
  intervalMs?: number;
}

export interface Progress {
  /** Called often; renders at most once per interval. */
  update(s: RunStatus): void;
  /** A message that must not be overwritten by the status line. */
  note(line: string): void;
  /** The summary at the end. */
  finish(s: RunStatus): void;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Live progress of a simulator run. */
export function createProgress(o: ProgressOptions): Progress {
  const every = o.intervalMs ?? (o.tty ? 500 : 10_000);
  let lastAt = 0;
  let lastSent = 0;
  let lastBehind = 0;
  let shown = false;

  const line = (s: RunStatus, rate: number) => {
    const behind =
      s.lagMs > s.slotMs
        ? `  BEHIND SCHEDULE by ${(s.lagMs / 1000).toFixed(1)} s`
        : s.behindSlots > lastBehind
          ? `  fell behind (max ${(s.maxLagMs / 1000).toFixed(1)} s), caught up`
          : '';
    return (
      `${(s.elapsedMs / 1000).toFixed(0)} s  drivers ${fmt(s.fleet.active)}/${fmt(s.drivers)} on a delivery` +
      `  trips done ${fmt(s.fleet.delivered)} (${fmt(s.fleet.cancelled)} cancelled)` +
      `  ${fmt(rate)} records/s  sent ${fmt(s.sent)}  errors ${fmt(s.errors)}${behind}`
    );
  };

  return {
    update(s) {
      const now = s.wallMs;
      if (lastAt === 0) lastAt = now;
      if (now - lastAt < every) return;
      const rate = ((s.sent - lastSent) * 1000) / (now - lastAt);
      const text = line(s, rate);
      if (o.tty) {
        o.stream.write(`\r\x1b[2K${text}`);
        shown = true;
      } else o.stream.write(`simulate: ${text}\n`);
      lastAt = now;
      lastSent = s.sent;
      lastBehind = s.behindSlots;
    },
    note(text) {
      if (o.tty && shown) o.stream.write('\r\x1b[2K');
      shown = false;
      o.stream.write(`simulate: ${text}\n`);
    },
    finish(s) {
      if (o.tty && shown) o.stream.write('\n');
      const secs = s.elapsedMs / 1000;
      o.stream.write(
        `simulate: done after ${secs.toFixed(1)} s: ${fmt(s.sent)} records sent ` +
          `(${fmt(s.sent / Math.max(secs, 0.001))}/s), ${fmt(s.errors)} failed` +
          (s.retries > 0 ? ` (${fmt(s.retries)} sends retried)` : '') +
          ', ' +
          `${fmt(s.fleet.assigned)} deliveries assigned, ${fmt(s.fleet.delivered)} delivered, ` +
          `${fmt(s.fleet.cancelled)} cancelled; ` +
          (s.behindSlots > 0
            ? `fell behind schedule in ${fmt(s.behindSlots)} of ${fmt(s.slots)} ticks (worst ${(s.maxLagMs / 1000).toFixed(1)} s)\n`
            : `kept to schedule (worst lag ${fmt(s.maxLagMs)} ms)\n`),
      );
    },
  };
}
