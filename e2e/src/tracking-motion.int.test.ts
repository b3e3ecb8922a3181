import { afterAll, expect, inject, it } from 'vitest';
import { signTrackingToken } from '@fleetstream/backend/domain/tracking-token';
import { saveScreenshot, useBrowserStack } from '@fleetstream/testkit/browser-stack';
import { quietKafka, type Producer } from '@fleetstream/testkit/clients';

/**
 * Issue 5 acceptance in a real browser: smooth motion at 1 Hz fixes, resume after the server
 * closes the socket with no position going backwards, the stale state, and the delivered page.
 * One scripted courier drives north at 8 m/s, so every expectation is known.
 */
const t = useBrowserStack({
  roles: ['gateway', 'live-push'],
  env: { TRACK_STALE_AFTER_S: '4', TRACK_DEAD_RECKON_S: '3' },
});
const DELIVERY = 'dlv-motion-1';
const DRIVER = 'drv-motion-1';
const START = { lat: 52.52, lng: 13.405 };
let producer: Producer | undefined;
let timer: NodeJS.Timeout | undefined;

afterAll(async () => {
  clearInterval(timer);
  await producer?.disconnect();
});

it(
  'glides smoothly, resumes after a reconnect, goes stale, and shows the delivery done',
  { timeout: 150_000 },
  async () => {
    const topic = `${t.stack.namespace}delivery-location`;
    producer = quietKafka('motion-e2e', inject('kafkaBrokers').split(',')).producer({
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    let seq = 0;
    const send = (record: Record<string, unknown>) =>
      producer!.send({
        topic,
        messages: [
          {
            key: DRIVER,
            value: JSON.stringify({
              v: 1,
              driverId: DRIVER,
              deliveryId: DELIVERY,
              seq: ++seq,
              ts: Date.now(),
              ...record,
            }),
          },
        ],
      });
    await send({
      type: 'trip',
      status: 'assigned',
      pickup: START,
      dropoff: { lat: START.lat + 0.011, lng: START.lng },
    });
    await send({ type: 'trip', status: 'picked_up' });
    let step = 0;
    const drive = () => {
      step++;
      // 8 m/s north, with a metre or two of GPS wobble.
      void send({
        type: 'position',
        lat: START.lat + (step * 8) / 111_320,
        lng: START.lng + (((step % 3) - 1) * 1.5) / 67_800,
        speedMps: 8,
        headingDeg: 0,
        accuracyM: 5,
      });
    };
    drive();
    timer = setInterval(drive, 1000);

    const token = signTrackingToken(t.stack.env.TRACKING_SECRET!, DELIVERY, Date.now() + 3_600_000);
    const { page, errors } = await t.open(`/track/${DELIVERY}?t=${token}`, {
      width: 800,
      height: 700,
    });
    await expect
      .poll(() => page.getByTestId('connection-state').textContent(), { timeout: 15_000 })
      .toBe('Live');
    const marker = page.locator('.marker-driver');
    await marker.waitFor({ timeout: 10_000 });
    await expect
      .poll(() => page.getByTestId('eta').textContent(), { timeout: 10_000 })
      .toMatch(/Arriving in (\d+–\d+|about \d+) min/);

    // Sample the marker's screen position at 10 Hz for 5 s while fixes arrive at 1 Hz.
    const samples: { x: number; y: number }[] = [];
    const correctionsBefore = await page.evaluate(
      () => (globalThis as { fleetstreamCorrections?: number }).fleetstreamCorrections ?? 0,
    );
    for (let i = 0; i < 50; i++) {
      const box = await marker.boundingBox();
      if (box) samples.push({ x: box.x, y: box.y });
      await page.waitForTimeout(100);
    }
    const corrections =
      (await page.evaluate(
        () => (globalThis as { fleetstreamCorrections?: number }).fleetstreamCorrections ?? 0,
      )) - correctionsBefore;
    const jumps = samples
      .slice(1)
      .map((s, i) => Math.hypot(s.x - samples[i]!.x, s.y - samples[i]!.y));
    const moved = Math.hypot(samples.at(-1)!.x - samples[0]!.x, samples.at(-1)!.y - samples[0]!.y);
    console.log(
      `motion: ${samples.length} samples, moved ${moved.toFixed(1)} px, largest frame-to-frame step ${Math.max(...jumps).toFixed(2)} px, ${corrections} corrections`,
    );
    expect(samples.length).toBeGreaterThanOrEqual(45);
    expect(moved).toBeGreaterThan(5); // it does move…
    expect(corrections).toBe(0);
    expect(Math.max(...jumps)).toBeLessThanOrEqual(4); // …without jumps
    expect(await page.locator('.leaflet-overlay-pane path').count()).toBeGreaterThanOrEqual(2); // trail and route
    await saveScreenshot(page, 'tracking-live.png');

    // The server closes the socket (the gateway restarts); the page reconnects and goes on.
    const seqs: number[] = [];
    const readSeq = async () =>
      Number(await page.getByTestId('driver-position').getAttribute('data-seq'));
    const watching = (async () => {
      for (let i = 0; i < 200 && seqs.length < 2000; i++) {
        seqs.push(await readSeq());
        await page.waitForTimeout(100);
      }
    })();
    const before = await readSeq();
    await t.stack.process('gateway').stop();
    await expect
      .poll(() => page.getByTestId('connection-state').textContent(), { timeout: 10_000 })
      .not.toBe('Live');
    t.stack.spawn('gateway-2', 'backend/src/main.ts', ['gateway']);
    await expect
      .poll(() => page.getByTestId('connection-state').textContent(), { timeout: 30_000 })
      .toBe('Live');
    await expect.poll(readSeq, { timeout: 10_000 }).toBeGreaterThan(before + 2);
    await watching;
    expect(seqs.every((s, i) => i === 0 || s >= seqs[i - 1]!)).toBe(true);

    // The courier stops sending: the page says so instead of freezing silently.
    clearInterval(timer);
    await expect
      .poll(() => page.getByTestId('driver-position').getAttribute('data-freshness'), {
        timeout: 10_000,
      })
      .toBe('stale');
    expect(await marker.getAttribute('data-freshness')).toBe('stale');
    await saveScreenshot(page, 'tracking-stale.png');

    await send({ type: 'trip', status: 'delivered' });
    await expect
      .poll(() => page.getByTestId('tracking-title').textContent(), { timeout: 10_000 })
      .toMatch(/^Delivered at/);
    await saveScreenshot(page, 'tracking-delivered.png');
    expect(errors).toEqual([]);
    await page.close();
  },
);
