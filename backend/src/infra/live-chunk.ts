import { readFileSync } from 'node:fs';
import {
  carriedRange,
  isFinished,
  type DeliveryChange,
  type LiveChunkPlan,
} from '../domain/live-delivery.js';
import { feedEntry } from '../domain/live-feed.js';
import { NO_PARTITION, sourceOf, type DeliveryKeys } from './delivery-keys.js';
import { isCluster, type RedisClient } from './redis.js';
import { WireArgs, wireScript } from './redis-script.js';
import { encodeTrailPoint } from './trail-point.js';

const SCRIPT = wireScript(readFileSync(new URL('./lua/live-chunk.lua', import.meta.url), 'utf8'));

/** A partition's fence: the applied offset the writer's in-memory state was built on. */
export interface PartitionFence {
  topic: string;
  partition: number;
  /** The applied offset read (or last written), -1 for none. */
  expected: number;
  /** The chunk's last offset, stored when the write happens. */
  next: number;
  /**
   * The partition's epoch read with `expected` ('' for none): it moves when another partition
   * takes one of its deliveries, whose state the writer may hold.
   */
  epoch: string;
}

/** One chunk's write as the script's arguments (infra/lua/live-chunk.lua). */
interface EncodedChunk {
  /** Its source: `topic:partition`, or '-' for a write without a partition. */
  source: string;
  /** (root, fenced, expected, next) of its source: fenced '1' when it has a partition. */
  fence: (string | number)[];
  /** The epoch its source is expected at ('' for none or without a partition). */
  epoch: string;
  /** Its source's feed channel. */
  channel: string;
  /** Its customer messages as one feed frame (domain/live-feed.ts), '' for none. */
  frame: string;
  /**
   * Its deliveries: each a header of 10 arguments, then where its latest position's message is
   * in the frame, its trail's points (appended to the trail, a list), its extras.
   */
  deliveries: number;
  args: WireArgs;
  ids: readonly string[];
}

/** The fields a change writes besides seq, rev and position: rare ones (sessions, trips). */
function extraFields(c: DeliveryChange): (string | number)[] {
  const s = c.state;
  const out: (string | number)[] = [];
  if (c.sessionChanged) out.push('session', s.cursor?.session ?? '');
  if (c.supersededChanged) out.push('superseded', JSON.stringify(s.cursor?.superseded ?? []));
  if (c.driverChanged) out.push('driverId', s.driverId);
  if (c.trip) {
    out.push('status', c.trip.status, 'statusTs', c.trip.statusTs);
    if (c.trip.pickup) out.push('pickup', JSON.stringify(c.trip.pickup));
    if (c.trip.dropoff) out.push('dropoff', JSON.stringify(c.trip.dropoff));
    if (c.trip.route) out.push('route', JSON.stringify(c.trip.route));
  }
  return out;
}

/** What happens to the delivery's keys' lifetime: a finished delivery's expire. */
function lifetime(c: DeliveryChange): '' | 'e' | 'p' | 't' {
  if (c.trip) return isFinished(c.trip.status) ? 'e' : 'p';
  return c.trail.length > 0 && isFinished(c.state.status) ? 't' : '';
}

/**
 * Encodes a plan for the script: the chunk's customer messages framed here as one feed frame
 * (each message stringified once, a delivery's in their order), and under each delivery where
 * in the frame its latest position's message is, which its hash keeps. Building the frame here
 * rather than in the script spares Redis a loop over every message and the client an argument
 * per message; pointing into it rather than repeating the message spares both a copy of each
 * fix's largest argument (about 250 bytes) to send, parse and take into Lua. A position
 * published with a trail (domain/live-delivery.ts carriedTrail, carriedRange) is not what the
 * hash keeps: then the message goes as an argument of its own, once a delivery a chunk.
 */
function encodeChunk(
  keys: DeliveryKeys,
  plan: LiveChunkPlan,
  fence: PartitionFence | null,
): EncodedChunk {
  const source = fence ? sourceOf(fence.topic, fence.partition) : NO_PARTITION;
  let frame = '';
  /** The frame's length in bytes, which is how the script counts. */
  let frameBytes = 0;
  const args = new WireArgs();
  for (const c of plan.changes.values()) {
    const points = c.trail.map(encodeTrailPoint);
    const [from, to] = carriedRange(c);
    const carried = to - from;
    /**
     * Where the script finds the latest position's message as the hash keeps it: its first byte
     * in the frame (1-based, as Lua's string.sub) and its bytes, or, when it is published with a
     * trail, the message itself.
     */
    let position: (string | number)[] = [];
    if (c.messages.length > 0) {
      const idBytes = Buffer.byteLength(c.deliveryId);
      const head = idBytes + String(idBytes).length + 1;
      for (const m of c.messages) {
        let json = JSON.stringify(m);
        if (m === c.position && carried > 0) {
          position = [json];
          // A trail point is `lat,lng,ts,seq` (infra/trail-point.ts): a JSON array's inside.
          const trail = points.slice(from, to).join('],[');
          json = `${json.slice(0, -1)},"trail":[[${trail}]]}`;
        }
        const bytes = Buffer.byteLength(json);
        if (m === c.position && carried === 0) position = [frameBytes + head + 1, bytes];
        frame += feedEntry(c.deliveryId, json);
        frameBytes += head + bytes + 1;
      }
    }
    const extra = extraFields(c);
    const active = c.activeScore === undefined ? '' : c.activeScore === null ? '-' : c.activeScore;
    args.add(c.deliveryId);
    args.add(c.state.storedRev);
    args.add(c.state.cursor?.seq ?? 0);
    args.add(c.state.rev);
    args.add(position.length);
    args.add(c.trail.length);
    args.add(c.trimTrail ? '1' : '');
    args.add(active);
    args.add(extra.length / 2);
    args.add(lifetime(c));
    for (const a of position) args.add(a);
    for (const p of points) args.add(p);
    for (const e of extra) args.add(e);
  }
  return {
    source,
    fence: fence
      ? [keys.root(source), '1', fence.expected < 0 ? '' : String(fence.expected), fence.next]
      : [keys.root(source), '', '', ''],
    epoch: fence?.epoch ?? '',
    channel: keys.feed(source),
    frame,
    deliveries: plan.changes.size,
    args,
    ids: [...plan.changes.keys()],
  };
}

/** Arguments of the chunks merged into one script call, at most (unless one chunk has more). */
const MERGED_ARGS = 40_000;

/**
 * Writes live-push chunks with the compare-and-set script, the chunks asked for in one
 * event-loop turn merged into one call: a member's partitions of one fetch (a chunk each,
 * about one fix per delivery at 1 Hz) then cost Redis and the client one call instead of one
 * each, which is most of a small chunk's cost. On a Redis Cluster only chunks of one source
 * (one hash slot) are merged. Chunks that share a delivery are not merged (a merged call
 * checks every condition before it writes anything, so the second would not see the first's
 * revision). When a merged call finds a stored value moved on, each chunk is written alone,
 * so each caller still gets its own answer.
 */
export function createLiveChunkWriter(
  redis: RedisClient,
  o: { keys: DeliveryKeys; trailLength: number; retentionS: number },
) {
  const oneSlotPerCall = isCluster(redis);

  const call = async (writes: readonly EncodedChunk[]): Promise<boolean> => {
    const argv = new WireArgs();
    argv.add(o.trailLength);
    argv.add(o.retentionS);
    argv.add(oneSlotPerCall ? 'SPUBLISH' : 'PUBLISH');
    argv.add(writes.length);
    for (const w of writes) {
      for (const a of w.fence) argv.add(a);
      argv.add(w.deliveries);
      argv.add(w.channel);
      argv.add(w.frame);
      argv.add(w.epoch);
      argv.add(w.args.count);
    }
    for (const w of writes) argv.append(w.args);
    // The first chunk's offset key routes the call to its slot's node.
    return (await SCRIPT.call(redis, [o.keys.offset(writes[0]!.source)], argv)) === 1;
  };

  type Queued = { write: EncodedChunk; done(ok: boolean): void; failed(err: unknown): void };
  let queue: Queued[] = [];
  const alone = (q: Queued) => call([q.write]).then(q.done, q.failed);
  const run = (group: Queued[]) => {
    if (group.length === 1) return void alone(group[0]!);
    call(group.map((q) => q.write)).then(
      (ok) => {
        if (ok) for (const q of group) q.done(true);
        else for (const q of group) void alone(q);
      },
      (err: unknown) => {
        for (const q of group) q.failed(err);
      },
    );
  };
  const flush = () => {
    const calls = queue;
    queue = [];
    let group: Queued[] = [];
    let size = 0;
    const ids = new Set<string>();
    for (const q of calls) {
      const clash =
        q.write.ids.some((id) => ids.has(id)) ||
        (oneSlotPerCall && group.length > 0 && group[0]!.write.source !== q.write.source);
      if (group.length > 0 && (clash || size + q.write.args.count > MERGED_ARGS)) {
        // Calls on one connection run in order: a later group sees what an earlier one wrote.
        run(group);
        group = [];
        size = 0;
        ids.clear();
      }
      group.push(q);
      size += q.write.args.count;
      for (const id of q.write.ids) ids.add(id);
    }
    if (group.length > 0) run(group);
  };

  return {
    /**
     * Writes a plan, with its partition's offset when `fence` is given, if every stored value
     * it was built on is unchanged; resolves false, having changed and published nothing,
     * when one moved on. Calls of one event-loop turn go to Redis together.
     */
    write(plan: LiveChunkPlan, fence: PartitionFence | null): Promise<boolean> {
      const write = encodeChunk(o.keys, plan, fence);
      return new Promise((done, failed) => {
        // The turn's other writers (the fetch's other partitions) queue before this runs.
        if (queue.length === 0) setImmediate(flush);
        queue.push({ write, done, failed });
      });
    },
  };
}
