// Maximum sustainable fixes/s of the simulator on this machine: (a) generation alone and
// (b) generation + produce to a real broker. The fleet size is ramped at 1 Hz until a step
// cannot keep to its schedule. Run: npm run bench:simulator -w bench
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { startTestEnvironment } from '@fleetstream/infra/test-environment';
import { createCity } from '@fleetstream/geo';
import { createFleet } from '@fleetstream/driver-simulator/fleet';
import { createPublisher } from '@fleetstream/driver-simulator/publish';
import { runSimulator, type RunStatus } from '@fleetstream/driver-simulator/simulator';
import type { LocationRecord } from '@fleetstream/contracts';

const STEP_S = 20;
const WINDOW_S = 10; // judged on the last 10 s, after drivers have logged in and been routed
const SIZES = [2_500, 5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 320_000];
const center = { lat: 52.52, lng: 13.405 };
const city = createCity({ center, radiusM: 5000, seed: 1 });

interface StepResult {
  drivers: number;
  fixesPerS: number;
  busy: number;
  endLagMs: number;
  windowMaxLagMs: number;
  ok: boolean;
}

async function step(
  drivers: number,
  send: (r: LocationRecord[]) => Promise<void>,
): Promise<StepResult> {
  const fleet = createFleet({ drivers, seed: 1, center, radiusM: 5000, city, startupS: 10 });
  const tick = fleet.tick;
  let windowBusyMs = 0;
  let inWindow = false;
  const timed = {
    ...fleet,
    stats: fleet.stats,
    tick(now: number, dtS: number, part?: number, parts?: number) {
      const t = performance.now();
      const out = tick(now, dtS, part, parts);
      if (inWindow) windowBusyMs += performance.now() - t;
      return out;
    },
  };
  let windowStart: { wall: number; sent: number } | null = null;
  let windowMaxLagMs = 0;
  const status: RunStatus = await runSimulator({
    fleet: timed,
    rateHz: 1,
    durationS: STEP_S,
    send: async (records) => {
      const t = performance.now();
      await send(records);
      if (inWindow) windowBusyMs += performance.now() - t;
    },
    onStatus: (s) => {
      if (!inWindow && s.elapsedMs >= (STEP_S - WINDOW_S) * 1000) {
        inWindow = true;
        windowStart = { wall: performance.now(), sent: s.sent };
      }
      if (inWindow) windowMaxLagMs = Math.max(windowMaxLagMs, s.lagMs);
    },
  });
  const w = windowStart as { wall: number; sent: number } | null;
  const secs = w ? (performance.now() - w.wall) / 1000 : STEP_S;
  const fixesPerS = w ? (status.sent - w.sent) / secs : 0;
  return {
    drivers,
    fixesPerS,
    busy: windowBusyMs / 1000 / secs,
    endLagMs: status.lagMs,
    windowMaxLagMs,
    // Kept up: never a whole second late in the window and all records delivered.
    ok: windowMaxLagMs < 1000 && status.errors === 0,
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function ramp(name: string, send: (r: LocationRecord[]) => Promise<void>) {
  console.log(`\n${name}: ${STEP_S} s per step at 1 Hz, judged on the last ${WINDOW_S} s`);
  let best: StepResult | null = null;
  for (const drivers of SIZES) {
    const r = await step(drivers, send);
    console.log(
      `  ${fmt(drivers).padStart(7)} drivers: ${fmt(r.fixesPerS).padStart(7)} fixes/s, ` +
        `busy ${(r.busy * 100).toFixed(0).padStart(3)} %, worst lag ${fmt(r.windowMaxLagMs)} ms  ` +
        (r.ok ? 'kept up' : 'FELL BEHIND'),
    );
    if (!r.ok) break;
    best = r;
  }
  return best;
}

console.log(
  `throughput benchmark on ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}`,
);
const gen = await ramp('(a) generation only', async () => undefined);
console.log('\nstarting a real Kafka broker…');
const env = await startTestEnvironment();
try {
  const topic = `bench-${randomUUID()}`;
  const publisher = await createPublisher({
    brokers: env.brokers.split(','),
    topic,
    partitions: 12,
  });
  const produce = await ramp(`(b) generation + produce to ${env.brokers}`, (r) =>
    publisher.publish(r),
  );
  await publisher.close();
  console.log('\nmaximum sustainable fixes/s (largest fleet that kept to a 1 Hz schedule):');
  for (const [label, r] of [
    ['generation only      ', gen],
    ['generation + produce ', produce],
  ] as const) {
    console.log(
      r
        ? `  ${label} ${fmt(r.fixesPerS)} fixes/s (${fmt(r.drivers)} drivers, busy ${(r.busy * 100).toFixed(0)} %: ` +
            `about ${fmt(r.fixesPerS / Math.max(r.busy, 0.01))} fixes/s of capacity)`
        : `  ${label} did not keep up even with ${fmt(SIZES[0]!)} drivers`,
    );
  }
} finally {
  await env.stop();
}
