import fs from 'node:fs';
import path from 'node:path';
import type { LocationRecord } from '@fleetstream/contracts';

/**
 * The simulator's ground truth for reliability tests: every record Kafka acknowledged, written
 * synchronously right after the acknowledgement, one line each: `<ackedAtMs> <driverId> <seq>`.
 * A record on this list must be on the topic, whatever happens to brokers afterwards.
 */
export interface AckedLog {
  write(records: readonly LocationRecord[]): void;
  close(): void;
}

export function openAckedLog(file: string): AckedLog {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const fd = fs.openSync(file, 'a');
  return {
    write(records) {
      if (records.length === 0) return;
      const at = Date.now();
      let out = '';
      for (const r of records) out += `${at} ${r.driverId} ${r.seq}\n`;
      // Synchronous, so a line exists before the next send starts, even if we are killed.
      fs.writeSync(fd, out);
    },
    close: () => fs.closeSync(fd),
  };
}
