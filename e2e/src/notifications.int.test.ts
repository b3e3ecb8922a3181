import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, inject, it, onTestFailed } from 'vitest';
import { NotificationRecordSchema, type NotificationRecord } from '@fleetstream/contracts';
import { DEFAULT_MILESTONE_SETTINGS } from '@fleetstream/backend/domain/milestones';
import { createRng } from '@fleetstream/geo';
import { recordFault } from '@fleetstream/backend/testing/reliability-ledger';
import { tailFile } from '@fleetstream/infra/managed-process';
import { groupLag, readTopic } from '@fleetstream/testkit/kafka-readback';
import { startTestStack, type TestStack } from '@fleetstream/testkit/stack';
import { expectedNotificationIds, readLocationTopic } from '@fleetstream/testkit/ground-truth';

/**
 * Acceptance of the notifications group: 200 couriers with GPS faults on, the worker killed
 * with SIGKILL three times at random moments; every delivery ends with exactly one notification
 * per milestone it reached — on the topic and at the sink — and none for the others.
 */
const KILLS = 3;
const STALL_S = 600; // no courier stalls this long here, so "delayed" must never appear
let stack: TestStack;
let hook: http.Server;
const received: { key: string; body: NotificationRecord }[] = [];
let flaky = 0;

beforeAll(async () => {
  // The webhook answers 503 now and then, so the sink's retries are exercised too.
  hook = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (++flaky % 17 === 0) {
        res.writeHead(503).end();
        return;
      }
      received.push({
        key: String(req.headers['idempotency-key']),
        body: JSON.parse(body) as NotificationRecord,
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  stack = await startTestStack({
    brokers: inject('kafkaBrokers'),
    redisUrl: inject('redisUrl'),
    roles: ['notifications'],
    env: {
      NOTIFY_SINK: 'webhook',
      NOTIFY_WEBHOOK_URL: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`,
      NOTIFY_STALL_S: String(STALL_S),
      // The fleet runs 20× faster than the wall clock, so its fix times run ahead of the broker's.
      RECORD_MAX_FUTURE_MS: '3600000',
      LOCATION_PARTITIONS: '12',
      // Each transaction's notifications are logged (debug), for the failure report below.
      LOG_LEVEL: 'debug',
    },
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await new Promise((r) => hook?.close(r));
});

it(
  'notifies each reached milestone exactly once across three kill -9s',
  { timeout: 300_000 },
  async () => {
    let duplicatedIds: string[] = [];
    onTestFailed(() => {
      for (const p of stack.processes) {
        console.error(`--- ${p.name}\n${tailFile(p.logFile, 10)}`);
        // Every transaction that carried a duplicated notification, and the worker's errors.
        const lines = fs.existsSync(p.logFile)
          ? fs.readFileSync(p.logFile, 'utf8').split('\n')
          : [];
        for (const l of lines)
          if (duplicatedIds.some((id) => l.includes(id)) || /"level":(50|60)/.test(l))
            console.error(l.slice(0, 2000));
      }
    });
    const brokers = inject('kafkaBrokers');
    const location = `${stack.namespace}delivery-location`;
    const notificationsTopic = `${stack.namespace}delivery-notifications`;
    // 900 s of fleet time in 45 s: most deliveries run their whole course.
    const sim = stack.spawn('simulator', 'driver-simulator/src/cli.ts', [
      '--drivers',
      '200',
      '--speedup',
      '20',
      '--duration',
      '900',
      '--seed',
      '7',
      '--brokers',
      brokers,
      '--topic',
      location,
      '--quiet',
    ]);
    let worker = stack.process('notifications');
    // Seeded: a failure replays with the same kill times.
    const random = createRng(17);
    for (let kill = 1; kill <= KILLS; kill++) {
      await new Promise((r) => setTimeout(r, 5_000 + random() * 8_000));
      worker.child.kill('SIGKILL');
      await worker.exited;
      worker = stack.spawn(`notifications-${kill}`, 'backend/src/main.ts', ['notifications']);
    }
    expect(await sim.exited).toBe(0);
    await expect
      .poll(() => groupLag(brokers, `${stack.namespace}notifications`, location), {
        timeout: 90_000,
        interval: 500,
      })
      .toBe(0);

    // Ground truth: the same pure detection over the topic as stored, in partition order.
    const { partitions } = await readLocationTopic(brokers, location);
    const { ids: expected, deliveries } = expectedNotificationIds(partitions, {
      ...DEFAULT_MILESTONE_SETTINGS,
      stallS: STALL_S,
    });
    const kinds = new Set([...expected].map((id) => id.split(':')[1]));
    expect([...kinds].sort()).toEqual(['arrived', 'delivered', 'nearby', 'picked_up']);
    expect(deliveries).toBeGreaterThanOrEqual(200);

    // On the topic: every expected id exactly once, nothing else.
    const onTopic = new Map<string, number>();
    // Where each copy sits (partition/offset): copies side by side came in one transaction.
    const at = new Map<string, string[]>();
    for (const r of await readTopic(brokers, notificationsTopic)) {
      const n = NotificationRecordSchema.parse(JSON.parse(r.value!.toString()));
      expect(r.key).toBe(n.deliveryId);
      onTopic.set(n.id, (onTopic.get(n.id) ?? 0) + 1);
      at.set(n.id, [...(at.get(n.id) ?? []), `${r.partition}/${r.offset}`]);
    }
    const duplicated = [...onTopic]
      .filter(([, c]) => c > 1)
      .map(([id, c]) => [id, c, ...at.get(id)!]);
    duplicatedIds = duplicated.map(([id]) => String(id));

    // At the sink: every expected id delivered, each under its own idempotency key. A wait that
    // times out still leaves its figures for the ledger row; the checks below fail.
    await expect
      .poll(() => new Set(received.map((r) => r.key)).size, { timeout: 60_000 })
      .toBe(expected.size)
      .catch(() => undefined);
    const sunk = new Set(received.map((r) => r.key));
    recordFault({
      fault: 'kill -9 notifications worker',
      runs: KILLS,
      checked: expected.size,
      lost:
        [...expected].filter((id) => !onTopic.has(id)).length +
        [...expected].filter((id) => !sunk.has(id)).length,
      duplicated:
        duplicated.reduce((n, [, c]) => n + Number(c) - 1, 0) +
        [...onTopic.keys()].filter((id) => !expected.has(id)).length,
      ok: received.every((r) => r.key === r.body.id) && received.length - sunk.size <= KILLS,
      note:
        `${expected.size} notifications over ${deliveries} deliveries, on the topic and at the sink` +
        `; ${received.length - sunk.size} webhook calls repeated under the same idempotency key`,
    });
    expect(duplicated).toEqual([]);
    expect([...onTopic.keys()].sort()).toEqual([...expected].sort());
    expect(received.every((r) => r.key === r.body.id)).toBe(true);
    expect(new Set(received.map((r) => r.key))).toEqual(expected);
    // The webhook is outside Kafka: a worker killed between a successful call and recording it
    // calls again after the restart, under the same idempotency key (a receiver honouring keys
    // sees each notification once). That can happen at most once per kill: the sink hands over
    // one notification at a time.
    const sinkRepeats = received.length - expected.size;
    console.log(
      `notifications: ${expected.size} expected over ${deliveries} deliveries; topic exact; webhook calls repeated under the same key: ${sinkRepeats}`,
    );
    expect(sinkRepeats).toBeLessThanOrEqual(KILLS);
  },
);
