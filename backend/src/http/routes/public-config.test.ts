import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import type { AppContext } from '../../context.js';
import type { Logger } from '../../infra/logger.js';
import { errorMiddleware } from '../error-middleware.js';
import { publicConfigRoutes } from './public-config.js';

// `npm start` keeps its data in `.fleetstream/`: the road network sits under a dot-folder.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'public-config-'));
const cityFile = path.join(dir, '.fleetstream', 'city.geojson');
const city = { type: 'FeatureCollection', features: [] };
const servers: ReturnType<ReturnType<typeof express>['listen']>[] = [];

async function serve(env: Record<string, string>): Promise<string> {
  const config = loadConfig(['gateway'], {
    OPS_TOKEN: 'o'.repeat(24),
    TRACKING_SECRET: 's'.repeat(32),
    WS_PING_INTERVAL_MS: '4000',
    ...env,
  });
  const log = { error: () => undefined } as unknown as Logger;
  const app = express()
    .use('/api', publicConfigRoutes({ config, log } as unknown as AppContext))
    .use(errorMiddleware(log));
  const server = await new Promise<(typeof servers)[number]>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
}

beforeAll(() => {
  fs.mkdirSync(path.dirname(cityFile), { recursive: true });
  fs.writeFileSync(cityFile, JSON.stringify(city));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  fs.rmSync(dir, { recursive: true, force: true });
});

it('serves the road network from a data dir inside a dot-folder', async () => {
  const res = await fetch(`${await serve({ CITY_GEOJSON: cityFile })}/city.geojson`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/geo\+json/);
  expect(await res.json()).toEqual(city);
});

it('answers a missing road network with 404 NOT_FOUND, not INTERNAL', async () => {
  const envs: Record<string, string>[] = [
    {},
    { CITY_GEOJSON: path.join(dir, '.fleetstream', 'missing.geojson') },
  ];
  for (const env of envs) {
    const res = await fetch(`${await serve(env)}/city.geojson`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  }
});

it("tells the browser the server's ping interval, for its silence watchdog", async () => {
  const res = await fetch(`${await serve({})}/config`);
  expect(((await res.json()) as { pingIntervalMs: number }).pingIntervalMs).toBe(4000);
});
