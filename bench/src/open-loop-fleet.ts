import { monitorEventLoopDelay } from 'node:perf_hooks';
import { encodeLocationRecord, type LocationRecord } from '@fleetstream/contracts';
import { M_PER_DEG_LAT, mPerDegLng } from '@fleetstream/geo';
import { Partitioners, quietKafka, type Producer } from '@fleetstream/testkit/clients';

export interface FleetStats {
  /** Records due by the schedule so far (what the fleet offered). */
  generated: number;
  /** Records the broker acknowledged. */
  acked: number;
  errors: number;
  /** Generated but not yet acknowledged. */
  queued: number;
  /** Produce requests sent. */
  sends: number;
  /** Since the previous stats call: how far behind schedule a send left, at worst. */
  sendLateMaxMs: number;
  /** Since the previous stats call: event-loop delay of the generator process. */
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  drivers: number;
  hz: number;
}

interface Message {
  key: string;
  value: Buffer;
  /** Intended send time = the record's ts. */
  ts: number;
}

const PHI = (Math.sqrt(5) - 1) / 2;
const CENTER = { lat: 52.52, lng: 13.405 };
const M_PER_DEG_LNG = mPerDegLng(CENTER.lat);
const SPEED_MPS = 8;
const MAX_RECORDS_PER_SEND = 20_000;
const TICK_MS = 5;

const frac = (x: number) => x - Math.floor(x);

/** Pickup and dropoff of driver i: 3–5 km apart, so no one arrives during a benchmark. */
function trip(i: number) {
  const a = frac(i * PHI) * 2 * Math.PI;
  const r = 500 + frac(i * 0.7548776662) * 2000;
  const pickup = {
    lat: CENTER.lat + (Math.sin(a) * r) / M_PER_DEG_LAT,
    lng: CENTER.lng + (Math.cos(a) * r) / M_PER_DEG_LNG,
  };
  const b = a + Math.PI * (0.75 + frac(i * 0.569840291) * 0.5);
  const d = 3000 + frac(i * 0.430159709) * 2000;
  const dropoff = {
    lat: pickup.lat + (Math.sin(b) * d) / M_PER_DEG_LAT,
    lng: pickup.lng + (Math.cos(b) * d) / M_PER_DEG_LNG,
  };
  const headingDeg = (((90 - (b * 180) / Math.PI) % 360) + 360) % 360;
  return { pickup, dropoff, distanceM: d, headingDeg };
}

/**
 * An open-loop fleet: each driver has a fixed slot in the period and a record is due at
 * every slot, stamped `ts` = the slot time, whether or not the producer keeps up. Anything
 * late (a slow broker, a stalled event loop) shows up as latency at the far end instead of
 * silently sending less (coordinated omission). Records follow contracts/src/location.ts:
 * a driver's first slot sends `assigned` and `picked_up`, then one position per slot.
 */
export class OpenLoopFleet {
  private producer: Producer;
  private drivers = 0;
  private hz = 1;
  private periodMs = 1000;
  private buckets: number[][] = [];
  private seq: number[] = [];
  private startedAt: number[] = [];
  private trips: ReturnType<typeof trip>[] = [];
  private lastMs = 0;
  private queue: Message[] = [];
  private inFlight = false;
  private timer: NodeJS.Timeout | undefined;
  private stats = { generated: 0, acked: 0, errors: 0, sends: 0, sendLateMaxMs: 0 };
  private eld = monitorEventLoopDelay({ resolution: 10 });
  private drainWaiters: (() => void)[] = [];

  constructor(
    private readonly o: { brokers: string[]; topic: string; tag: string },
    private readonly onError: (err: Error) => void,
  ) {
    const kafka = quietKafka(`fleetstream-bench-${o.tag}`, o.brokers);
    this.producer = kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 5, initialRetryTime: 100 },
    });
  }

  async start(): Promise<void> {
    await this.producer.connect();
    this.eld.enable();
    this.lastMs = Date.now();
    // Every 5 ms, like Kafka's default linger.ms: fewer, larger requests at low rates.
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  /** Grows or shrinks the fleet, or changes its rate; drivers keep their trips and seq. */
  setFleet(drivers: number, hz: number): void {
    const periodMs = Math.max(1, Math.round(1000 / hz));
    const rebuild = periodMs !== this.periodMs || drivers < this.drivers;
    this.hz = hz;
    this.periodMs = periodMs;
    if (rebuild) this.buckets = Array.from({ length: periodMs }, () => []);
    if (this.buckets.length === 0) this.buckets = Array.from({ length: periodMs }, () => []);
    for (let i = rebuild ? 0 : this.drivers; i < drivers; i++) {
      this.buckets[Math.floor(frac(i * PHI) * periodMs)]!.push(i);
      if (this.trips[i] === undefined) {
        this.trips[i] = trip(i);
        this.seq[i] = 0;
        this.startedAt[i] = -1;
      }
    }
    this.drivers = drivers;
  }

  private tick(): void {
    const now = Date.now();
    const tag = this.o.tag;
    for (let t = this.lastMs + 1; t <= now; t++) {
      const bucket = this.buckets[t % this.periodMs];
      if (!bucket) continue;
      for (const i of bucket) {
        const driverId = `drv-${tag}-${i}`;
        const deliveryId = `dlv-${tag}-${i}`;
        const tr = this.trips[i]!;
        const records: LocationRecord[] = [];
        let seq = this.seq[i]!;
        if (this.startedAt[i]! < 0) {
          this.startedAt[i] = t;
          const base = { type: 'trip', v: 1, driverId, deliveryId, ts: t } as const;
          const { pickup, dropoff } = tr;
          records.push({ ...base, seq: seq++, status: 'assigned', pickup, dropoff });
          records.push({ ...base, seq: seq++, status: 'picked_up' });
        }
        const f = Math.min(1, (SPEED_MPS * (t - this.startedAt[i]!)) / 1000 / tr.distanceM);
        records.push({
          type: 'position',
          v: 1,
          driverId,
          deliveryId,
          seq: seq++,
          ts: t,
          lat: tr.pickup.lat + (tr.dropoff.lat - tr.pickup.lat) * f,
          lng: tr.pickup.lng + (tr.dropoff.lng - tr.pickup.lng) * f,
          speedMps: SPEED_MPS,
          headingDeg: tr.headingDeg,
          accuracyM: 5,
        });
        this.seq[i] = seq;
        for (const r of records)
          this.queue.push({ key: driverId, value: encodeLocationRecord(r), ts: t });
        this.stats.generated += records.length;
      }
    }
    this.lastMs = now;
    this.pump();
  }

  /** One produce request at a time: whatever fell due meanwhile goes in the next one. */
  private pump(): void {
    if (this.inFlight) return;
    if (this.queue.length === 0) {
      for (const w of this.drainWaiters.splice(0)) w();
      return;
    }
    const batch = this.queue.splice(0, MAX_RECORDS_PER_SEND);
    this.inFlight = true;
    this.stats.sends++;
    this.stats.sendLateMaxMs = Math.max(this.stats.sendLateMaxMs, Date.now() - batch[0]!.ts);
    this.producer
      .send({
        topic: this.o.topic,
        acks: -1,
        messages: batch.map((m) => ({ key: m.key, value: m.value })),
      })
      .then(
        () => (this.stats.acked += batch.length),
        (err: Error) => {
          this.stats.errors += batch.length;
          this.onError(err);
        },
      )
      .finally(() => {
        this.inFlight = false;
        this.pump();
      });
  }

  /** Figures so far; the event-loop and lateness figures restart at each call. */
  takeStats(): FleetStats {
    const s: FleetStats = {
      ...this.stats,
      queued: this.queue.length + (this.inFlight ? 1 : 0),
      eventLoopDelayP99Ms: this.eld.percentile(99) / 1e6,
      eventLoopDelayMaxMs: this.eld.max / 1e6,
      drivers: this.drivers,
      hz: this.hz,
    };
    this.eld.reset();
    this.stats.sendLateMaxMs = 0;
    return s;
  }

  /** Stops the schedule, sends what is queued, disconnects. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    if (this.queue.length > 0 || this.inFlight)
      await new Promise<void>((resolve) => {
        this.drainWaiters.push(resolve);
        this.pump();
      });
    this.eld.disable();
    await this.producer.disconnect();
  }
}
