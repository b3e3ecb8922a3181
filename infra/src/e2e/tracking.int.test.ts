import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ensureChromium } from '../browser.js';
import { repoRoot } from '../paths.js';
import { startTestStack, type TestStack } from '../testing/stack.js';

let stack: TestStack;
let browser: Browser;

beforeAll(async () => {
  ensureChromium();
  stack = await startTestStack({
    brokers: inject('kafkaBrokers'),
    redisUrl: inject('redisUrl'),
    roles: ['gateway', 'live-push'],
    web: true,
  });
  stack.spawn('simulator', 'driver-simulator/src/cli.ts', [
    '--drivers',
    '5',
    '--rate',
    '2',
    '--brokers',
    inject('kafkaBrokers'),
    '--topic',
    `${stack.namespace}delivery-location`,
    '--quiet',
  ]);
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

it('a customer opens a tracking link and sees the courier move', { timeout: 120_000 }, async () => {
  const auth = { Authorization: `Bearer ${stack.opsToken}` };
  let trackingUrl = '';
  await expect
    .poll(
      async () => {
        const res = await fetch(`${stack.baseUrl}/api/deliveries`, { headers: auth });
        const body = (await res.json()) as {
          deliveries: { trackingUrl: string; status: string }[];
        };
        trackingUrl =
          body.deliveries.find((d) => d.status === 'assigned' || d.status === 'picked_up')
            ?.trackingUrl ?? '';
        return trackingUrl;
      },
      { timeout: 60_000, interval: 500 },
    )
    .not.toBe('');

  const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${stack.baseUrl}${trackingUrl}`);
  await expect
    .poll(() => page.getByTestId('connection-state').textContent(), { timeout: 10_000 })
    .toBe('Live');
  await page.locator('.marker-driver').waitFor({ timeout: 10_000 });

  const read = () =>
    page
      .getByTestId('driver-position')
      .evaluate((el) => `${el.dataset.lat},${el.dataset.lng},${el.dataset.seq}`);
  const first = await read();
  await expect.poll(read, { timeout: 10_000, interval: 200 }).not.toBe(first);

  fs.mkdirSync(path.join(repoRoot, 'artifacts'), { recursive: true });
  await page.screenshot({ path: path.join(repoRoot, 'artifacts', 'tracking.png') });
  const seen = () =>
    page.evaluate(
      () => (globalThis as { fleetstreamLatencies?: number[] }).fleetstreamLatencies?.length ?? 0,
    );
  await expect.poll(seen, { timeout: 20_000 }).toBeGreaterThanOrEqual(20);
  const latencies = await page.evaluate(
    () => (globalThis as { fleetstreamLatencies?: number[] }).fleetstreamLatencies ?? [],
  );
  console.log(
    `fix-to-page latency: median ${median(latencies)} ms over ${latencies.length} positions`,
  );
  expect(errors).toEqual([]);
  await page.close();
});
