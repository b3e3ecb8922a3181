import type { LogReader } from '../infra/kafka-log-reader.js';

/** A decoded record with its device time and the time the broker stored it. */
export interface ReplayItem<T> {
  ts: number;
  storedAt: number;
  value: T;
}

/** Where to read: one topic's partitions, and how to turn a raw record into an item. */
export interface ReplaySource<T> {
  topic: string;
  partitions: readonly number[];
  /** The item of a raw record, or null to skip it (invalid, another delivery's). */
  decode(value: Buffer, storedAt: number): { ts: number; value: T } | null;
}

interface Lane<T> {
  source: ReplaySource<T>;
  partition: number;
  next: bigint;
  end: bigint;
  done: boolean;
  items: ReplayItem<T>[];
  head: number;
}

/**
 * The records of a time window in device-time order, merged from many partitions (and topics)
 * that are each read a fetch at a time: every partition keeps its own order, so a driver's
 * records stay in the order the driver sent them. Device clocks may run ahead of the broker's by
 * up to `aheadMs` and records may arrive up to `lateMs` after their device time: the window's
 * offsets are found with that margin on each side.
 */
export function createReplayCursor<T>(
  reader: LogReader,
  sources: readonly ReplaySource<T>[],
  o: { to: number; aheadMs: number; lateMs: number },
) {
  let lanes: Lane<T>[] = [];
  let from = 0;

  async function open(at: number): Promise<void> {
    from = at;
    lanes = [];
    for (const source of sources) {
      const [starts, ends] = await Promise.all([
        reader.offsetsForTime(source.topic, at - o.aheadMs),
        reader.offsetsForTime(source.topic, o.to + o.lateMs),
      ]);
      for (const partition of source.partitions) {
        const next = starts.get(partition) ?? 0n;
        const end = ends.get(partition) ?? 0n;
        lanes.push({ source, partition, next, end, done: next >= end, items: [], head: 0 });
      }
    }
  }

  /** Reads one more fetch for every lane that has nothing buffered. */
  async function refill(): Promise<void> {
    const empty = lanes.filter((l) => !l.done && l.head >= l.items.length);
    for (const source of sources) {
      const mine = empty.filter((l) => l.source === source);
      if (mine.length === 0) continue;
      const read = await reader.read(source.topic, new Map(mine.map((l) => [l.partition, l.next])));
      for (const lane of mine) {
        const got = read.get(lane.partition);
        if (!got) continue;
        lane.items = [];
        lane.head = 0;
        for (const r of got.records) {
          if (r.offset >= lane.end || r.value === null) continue;
          const d = source.decode(r.value, r.timestamp);
          if (d && d.ts >= from)
            lane.items.push({ ts: d.ts, storedAt: r.timestamp, value: d.value });
        }
        lane.next = got.next;
        lane.done = got.atEnd || got.next >= lane.end;
      }
    }
  }

  /** The lane whose next item is the earliest, once every lane has one or is finished. */
  async function earliest(): Promise<Lane<T> | null> {
    while (lanes.some((l) => !l.done && l.head >= l.items.length)) await refill();
    let best: Lane<T> | null = null;
    for (const l of lanes)
      if (l.head < l.items.length && (!best || l.items[l.head]!.ts < best.items[best.head]!.ts))
        best = l;
    return best && best.items[best.head]!.ts <= o.to ? best : null;
  }

  /** The lane peek found, until the item is taken or the cursor moves. */
  let peeked: Lane<T> | null = null;
  return {
    /** Starts (again) at device time `at`: the next item is the first at or after it. */
    async seek(at: number): Promise<void> {
      peeked = null;
      await open(at);
    },
    /** The next item without taking it, or null at the end of the window. */
    async peek(): Promise<ReplayItem<T> | null> {
      peeked ??= await earliest();
      return peeked ? peeked.items[peeked.head]! : null;
    },
    /** Takes the next item (the one peek returned). */
    async take(): Promise<ReplayItem<T> | null> {
      const lane = peeked ?? (await earliest());
      peeked = null;
      return lane ? lane.items[lane.head++]! : null;
    },
  };
}
