import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, inject } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ensureChromium } from '@fleetstream/infra/browser';
import { run, tsNodeArgs } from '@fleetstream/infra/node-tasks';
import { repoRoot } from '@fleetstream/infra/paths';
import { startTestStack, type TestStack, type TestStackOptions } from './stack.js';

export interface BrowserStackOptions extends Omit<
  TestStackOptions,
  'brokers' | 'redisUrl' | 'web'
> {
  /** A simulated fleet on the stack's topic: simulator CLI flags besides --brokers/--topic. */
  fleet?: string[];
  /** More set-up once the stack runs (e.g. extra records). */
  setup?: (stack: TestStack) => Promise<void>;
}

/**
 * For browser tests: the real roles with the built web app, an optional fleet, and Debian's
 * chromium, started before the file's tests and stopped after them.
 */
export function useBrowserStack(o: BrowserStackOptions) {
  let stack: TestStack | undefined;
  let browser: Browser | undefined;
  let roadsDir: string | undefined;
  beforeAll(async () => {
    await ensureChromium();
    const env = { ...o.env };
    if (o.fleet) {
      // As under npm start: the map draws, and live-push routes on, the streets the fleet drives.
      roadsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetstream-roads-'));
      env.CITY_GEOJSON = path.join(roadsDir, 'city.geojson');
      const args = [...o.fleet, '--geojson', env.CITY_GEOJSON, '--geojson-only', '--quiet'];
      const code = await run(process.execPath, tsNodeArgs('driver-simulator/src/cli.ts', args));
      if (code !== 0) throw new Error(`the simulator could not write the road network (${code})`);
    }
    stack = await startTestStack({
      ...o,
      env,
      brokers: inject('kafkaBrokers'),
      redisUrl: inject('redisUrl'),
      web: true,
    });
    if (o.fleet) {
      stack.spawn('simulator', 'driver-simulator/src/cli.ts', [
        ...o.fleet,
        '--brokers',
        inject('kafkaBrokers'),
        '--topic',
        `${stack.namespace}delivery-location`,
        '--quiet',
      ]);
    }
    await o.setup?.(stack);
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
    });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (roadsDir) fs.rmSync(roadsDir, { recursive: true, force: true });
  });

  return {
    get stack(): TestStack {
      if (!stack) throw new Error('stack not started');
      return stack;
    },
    /** A new page at `path` of the stack; `errors` collects uncaught page errors. */
    async open(
      urlPath: string,
      viewport = { width: 1280, height: 900 },
    ): Promise<{ page: Page; errors: string[] }> {
      if (!browser || !stack) throw new Error('browser not started');
      const page = await browser.newPage({ viewport });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${stack.baseUrl}${urlPath}`);
      return { page, errors };
    },
  };
}

/** Saves a screenshot as a test artifact in artifacts/. */
export async function saveScreenshot(page: Page, name: string, fullPage = false): Promise<void> {
  fs.mkdirSync(path.join(repoRoot, 'artifacts'), { recursive: true });
  await page.screenshot({ path: path.join(repoRoot, 'artifacts', name), fullPage });
}
