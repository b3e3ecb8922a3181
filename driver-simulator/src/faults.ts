import type { LocationRecord } from '@fleetstream/contracts';
import { gaussian, type Rng, uniform } from '@fleetstream/geo';

/** GPS and device faults, each on by default at a low rate. Rates are probabilities. */
export interface FaultOptions {
  /** Horizontal accuracy (68 % radius) of ordinary fixes, in metres; 0 = exact. @default 5 */
  noiseM: number;
  /** Share of fixes that are outliers (multipath, a bad satellite lock). @default 0.002 */
  outlierRate: number;
  /** How far an outlier lands from the true position, roughly, in metres. @default 50 */
  outlierM: number;
  /** Chance per fix that the device loses its connection; fixes are buffered meanwhile. @default 0.001 */
  dropoutRate: number;
  /** Longest dropout, in seconds (each lasts 5 s … this). @default 30 */
  dropoutMaxS: number;
  /** Chance that a record is sent twice (a retry after a lost acknowledgement). @default 0.002 */
  duplicateRate: number;
  /** Share of devices whose clock is off. @default 0.1 */
  skewRate: number;
  /** Largest clock offset of such a device, in milliseconds (either way). @default 2000 */
  skewMaxMs: number;
}

export const DEFAULT_FAULTS: Readonly<FaultOptions> = Object.freeze({
  noiseM: 5,
  outlierRate: 0.002,
  outlierM: 50,
  dropoutRate: 0.001,
  dropoutMaxS: 30,
  duplicateRate: 0.002,
  skewRate: 0.1,
  skewMaxMs: 2000,
});

export const NO_FAULTS: Readonly<FaultOptions> = Object.freeze({
  ...DEFAULT_FAULTS,
  noiseM: 0,
  outlierRate: 0,
  dropoutRate: 0,
  duplicateRate: 0,
  skewRate: 0,
});

/** What a driver's phone adds on top of the true movement. */
export interface Device {
  /** Constant offset of the device clock, in ms. */
  readonly skewMs: number;
  /** Seconds of connection loss left; records are buffered while > 0. */
  offlineS: number;
  buffer: LocationRecord[];
}

/** Per-axis standard deviation for a 68 % horizontal radius (Rayleigh: r68 ≈ 1.51 σ). */
const SIGMA_PER_R68 = 1 / 1.51;

export function createDevice(rnd: Rng, f: FaultOptions): Device {
  const skewed = rnd() < f.skewRate;
  const offset = Math.round(uniform(rnd, -f.skewMaxMs, f.skewMaxMs));
  const skewMs = skewed ? offset : 0;
  return { skewMs, offlineS: 0, buffer: [] };
}

/** The measurement error of one fix, written into `out` (metres east, north; reported accuracy). */
export interface FixError {
  dx: number;
  dy: number;
  accuracyM: number;
  outlier: boolean;
}

export function fixError(rnd: Rng, f: FaultOptions, out: FixError): FixError {
  // Always the same number of draws, so changing a knob never changes how drivers move.
  const sigma = f.noiseM * SIGMA_PER_R68;
  out.dx = gaussian(rnd) * sigma;
  out.dy = gaussian(rnd) * sigma;
  const accuracy = uniform(rnd, 0.8, 1.3);
  const roll = rnd();
  const r = f.outlierM * uniform(rnd, 0.7, 1.4);
  const theta = rnd() * 2 * Math.PI;
  // Devices report a plausible accuracy, and keep reporting it for outliers: that is the trap.
  out.accuracyM = f.noiseM > 0 ? Math.round(f.noiseM * accuracy * 10) / 10 : 1;
  out.outlier = roll < f.outlierRate;
  if (out.outlier) {
    out.dx += r * Math.sin(theta);
    out.dy += r * Math.cos(theta);
  }
  return out;
}

/**
 * Starts a driver's tick on the network side: counts down a dropout or maybe starts one, and
 * when the connection is back flushes the buffered records in their original order (same seq,
 * same ts). Returns true when a dropout started on this tick.
 */
export function beginTick(
  device: Device,
  rnd: Rng,
  f: FaultOptions,
  dtS: number,
  out: LocationRecord[],
): boolean {
  if (device.offlineS > 0) {
    device.offlineS -= dtS;
    if (device.offlineS > 0) return false;
  } else if (rnd() < f.dropoutRate) {
    device.offlineS = uniform(rnd, Math.min(5, f.dropoutMaxS), f.dropoutMaxS);
    return true;
  }
  if (device.buffer.length > 0) {
    for (const r of device.buffer) send(r, rnd, f, out);
    device.buffer.length = 0;
  }
  return false;
}

/** Sends a record now, or buffers it while the device is offline. */
export function emit(
  device: Device,
  rnd: Rng,
  f: FaultOptions,
  record: LocationRecord,
  out: LocationRecord[],
): void {
  if (device.offlineS > 0) device.buffer.push(record);
  else send(record, rnd, f, out);
}

/** Sometimes twice: a retry after a lost acknowledgement re-sends the very same record. */
function send(r: LocationRecord, rnd: Rng, f: FaultOptions, out: LocationRecord[]) {
  out.push(r);
  if (rnd() < f.duplicateRate) out.push(r);
}
