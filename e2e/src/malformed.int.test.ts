import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { DLQ_HEADERS, decodeLocationRecord } from '@fleetstream/contracts';
import { recordFault } from '@fleetstream/backend/testing/reliability-ledger';
import { groupLag, readTopic } from '@fleetstream/testkit/kafka-readback';
import { startTestStack, type TestStack } from '@fleetstream/testkit/stack';
import { quietKafka } from '@fleetstream/testkit/clients';

/**
 * Reliability: 10,000 malformed records mixed with 10,000 valid ones. Every group dead-letters
 * every malformed record once, with its source offset and the error; every valid record is
 * applied once; no worker crashes; every group's lag returns to 0.
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({
    brokers: inject('kafkaBrokers'),
    redisUrl: inject('redisUrl'),
    roles: ['live-push', 'analytics', 'notifications'],
    env: { LOCATION_PARTITIONS: '6' },
  });
}, 120_000);
afterAll(() => stack?.stop());

const MALFORMED: ((i: number) => Buffer)[] = [
  () => Buffer.from('{"type":"position","v":1,'), // cut JSON
  (i) =>
    Buffer.from(
      `{"type":"position","v":1,"driverId":"drv-x${i}","deliveryId":null,"seq":1,"ts":${Date.now()},"lat":91,"lng":13.4}`,
    ),
  (i) =>
    Buffer.from(
      `{"type":"position","v":1,"driverId":"drv-x${i}","deliveryId":null,"seq":1,"ts":${Date.now()},"lat":NaN,"lng":13.4}`,
    ),
  (i) =>
    Buffer.from(
      `{"type":"position","v":1,"driverId":${i},"deliveryId":null,"seq":"1","ts":"now","lat":52.5,"lng":13.4}`,
    ),
  () => Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), // invalid UTF-8
  () => Buffer.alloc(0),
  (i) => Buffer.from(`{"type":"teleport","v":1,"driverId":"drv-x${i}"}`),
  (i) =>
    Buffer.from(
      `{"type":"trip","v":1,"driverId":"drv-x${i}","deliveryId":"d","seq":1,"ts":${Date.now()},"status":"assigned"}`,
    ),
];

it(
  'dead-letters 10,000 malformed records among 10,000 valid ones, applying the valid once',
  { timeout: 240_000 },
  async () => {
    const brokers = inject('kafkaBrokers');
    const topic = `${stack.namespace}delivery-location`;
    const producer = quietKafka('malformed-e2e', brokers.split(',')).producer({
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    const now = Date.now();
    const valid: { key: string; value: Buffer }[] = [];
    for (let d = 0; d < 100; d++) {
      const driverId = `drv-${String(d).padStart(5, '0')}`;
      const deliveryId = `dlv-m-${d}`;
      valid.push({
        key: driverId,
        value: Buffer.from(
          JSON.stringify({
            type: 'trip',
            v: 1,
            driverId,
            deliveryId,
            seq: 1,
            ts: now,
            status: 'assigned',
            pickup: { lat: 52.5, lng: 13.4 },
            dropoff: { lat: 52.51, lng: 13.41 },
          }),
        ),
      });
      for (let s = 2; s <= 100; s++) {
        valid.push({
          key: driverId,
          value: Buffer.from(
            JSON.stringify({
              type: 'position',
              v: 1,
              driverId,
              deliveryId,
              seq: s,
              ts: now + s * 1000,
              lat: 52.5 + s * 1e-5,
              lng: 13.4,
              speedMps: 7,
            }),
          ),
        });
      }
    }
    // 10 of the malformed values are ~1 MB each, sent alone (a batch must fit the broker's limit).
    const huge = Array.from({ length: 10 }, (_, i) => ({
      key: `junk-huge-${i}`,
      value: Buffer.alloc(1_000_000, 0x61),
    }));
    const bad = Array.from({ length: 10_000 - huge.length }, (_, i) => ({
      key: `junk-${i % 97}`,
      value: MALFORMED[i % MALFORMED.length]!(i),
    }));
    const mixed: { key: string; value: Buffer }[] = [];
    for (let i = 0; i < valid.length; i++) mixed.push(valid[i]!, ...(bad[i] ? [bad[i]!] : []));
    for (let i = 0; i < mixed.length; i += 500)
      await producer.send({ topic, messages: mixed.slice(i, i + 500) });
    for (const h of huge) await producer.send({ topic, messages: [h] });
    await producer.disconnect();

    const groups = ['live-push', 'analytics', 'notifications'].map((g) => `${stack.namespace}${g}`);
    for (const g of groups)
      await expect
        .poll(() => groupLag(brokers, g, topic), { timeout: 120_000, interval: 500 })
        .toBe(0);

    // Ground truth from the topic as stored: which offsets are malformed.
    const source = await readTopic(brokers, topic);
    expect(source).toHaveLength(20_000);
    const malformed = new Set(
      source
        .filter((r) => !decodeLocationRecord(r.value).ok)
        .map((r) => `${r.partition}:${r.offset}`),
    );
    expect(malformed.size).toBe(10_000);

    const dlq = await readTopic(brokers, `${stack.namespace}delivery-location.dlq`);
    const header = (r: (typeof dlq)[number], name: string) => r.headers?.[name]?.toString();
    const auth = { Authorization: `Bearer ${stack.opsToken}` };
    const summary = (await (
      await fetch(`${stack.baseUrl}/api/analytics/summary`, { headers: auth })
    ).json()) as { fixes: number };
    const exits = await Promise.race([
      Promise.any(stack.processes.map((p) => p.exited.then(() => p.name))),
      new Promise((r) => setTimeout(() => r('none'), 100)),
    ]);
    const deadLettered = groups.map((g) =>
      dlq
        .filter((r) => header(r, DLQ_HEADERS.group) === g)
        .map(
          (r) => `${header(r, DLQ_HEADERS.sourcePartition)}:${header(r, DLQ_HEADERS.sourceOffset)}`,
        ),
    );
    recordFault({
      fault: '10,000 malformed among 10,000 valid',
      runs: 1,
      checked: source.length,
      lost:
        deadLettered.reduce((n, o) => {
          const seen = new Set(o);
          return n + [...malformed].filter((m) => !seen.has(m)).length;
        }, 0) + Math.max(0, 9_900 - summary.fixes),
      duplicated:
        deadLettered.reduce((n, o) => n + o.length - new Set(o).size, 0) +
        Math.max(0, summary.fixes - 9_900),
      ok: exits === 'none',
      note:
        `${deadLettered.reduce((n, o) => n + new Set(o).size, 0)} of ${malformed.size * groups.length} ` +
        `dead letters (${groups.length} groups); ${summary.fixes} of 9,900 fixes counted`,
    });
    for (const g of groups) {
      const mine = dlq.filter((r) => header(r, DLQ_HEADERS.group) === g);
      const offsets = mine.map(
        (r) => `${header(r, DLQ_HEADERS.sourcePartition)}:${header(r, DLQ_HEADERS.sourceOffset)}`,
      );
      expect(new Set(offsets).size, g).toBe(offsets.length); // each once
      expect(new Set(offsets), g).toEqual(malformed);
      expect(
        mine.every(
          (r) =>
            (header(r, DLQ_HEADERS.error) ?? '').length > 0 &&
            header(r, DLQ_HEADERS.sourceTopic) === topic,
        ),
      ).toBe(true);
      // A dead letter keeps its record's key (all of the malformed ones are junk-…).
      expect(mine.filter((r) => !r.key?.startsWith('junk-')).length, g).toBe(0);
      expect(mine.filter((r) => header(r, DLQ_HEADERS.originalBytes) === '1000000')).toHaveLength(
        huge.length,
      );
    }

    // Valid records applied once: analytics counted every fix and trip event exactly.
    expect(summary.fixes).toBe(9_900);
    const deliveries = (await (
      await fetch(`${stack.baseUrl}/api/deliveries?limit=1000`, { headers: auth })
    ).json()) as { deliveries: unknown[] };
    expect(deliveries.deliveries).toHaveLength(100);

    // No worker crashed on the way.
    expect(exits).toBe('none');
    console.log(
      `malformed: 10,000 malformed dead-lettered once by each of ${groups.length} groups; 10,000 valid applied once`,
    );
  },
);
