import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  type Histogram,
} from 'hdr-histogram-js';

/** Percentiles of a latency histogram, in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  /** The whole histogram, HdrHistogram's compressed base64 form, for merging runs later. */
  hdr?: string;
}

/**
 * A latency recorder: an HDR histogram of microseconds (3 significant digits, up to an hour),
 * so a p99.9 is as exact as a p50 and nothing is averaged away.
 */
export class LatencyRecorder {
  private h: Histogram = LatencyRecorder.create();

  private static create(): Histogram {
    return build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 3_600_000_000,
      numberOfSignificantValueDigits: 3,
    });
  }

  /** Records one latency in milliseconds (fractions kept to the microsecond). */
  record(ms: number): void {
    this.h.recordValue(Math.min(3_600_000_000, Math.max(0, Math.round(ms * 1000))));
  }

  get count(): number {
    return this.h.totalCount;
  }

  reset(): void {
    this.h.reset();
  }

  /** The histogram in HdrHistogram's compressed base64 form, to send to another process. */
  encode(): string {
    return encodeIntoCompressedBase64(this.h);
  }

  /** Adds a histogram that another process recorded (the form `encode` returns). */
  addEncoded(base64: string): void {
    this.h.add(decodeFromCompressedBase64(base64));
  }

  summary(withHdr = false): LatencySummary {
    const h = this.h;
    const at = (p: number) => (h.totalCount === 0 ? 0 : h.getValueAtPercentile(p) / 1000);
    return {
      count: h.totalCount,
      p50: at(50),
      p90: at(90),
      p99: at(99),
      p999: at(99.9),
      max: h.totalCount === 0 ? 0 : h.maxValue / 1000,
      mean: h.totalCount === 0 ? 0 : h.mean / 1000,
      ...(withHdr && h.totalCount > 0 ? { hdr: encodeIntoCompressedBase64(h) } : {}),
    };
  }
}

/**
 * Wall-clock time with sub-millisecond resolution: Date.now() has whole milliseconds, so the
 * offset to performance.now() is calibrated as the largest difference seen over many reads
 * (Date.now() floors, so the largest is the closest). Other processes stamp with Date.now(),
 * so both sides agree on the same clock.
 */
export function preciseWallClock(): () => number {
  let offset = -Infinity;
  const end = performance.now() + 20;
  while (performance.now() < end) offset = Math.max(offset, Date.now() - performance.now());
  return () => offset + performance.now();
}
