#!/usr/bin/env node
import fs from 'node:fs';
import path from 'node:path';
import { openCity } from './open-city.js';
import { createFleet } from './fleet.js';
import { createProgram, parseOptions } from './options.js';
import { openAckedLog } from './acked-log.js';
import { createProgress } from './progress.js';
import { createPublisher } from './publish.js';
import { PartialSendError, acceleratedClock, runSimulator } from './simulator.js';
import { cityGeoJson } from '@fleetstream/geo';

async function main(): Promise<number> {
  const o = parseOptions(createProgram(process.env), process.argv.slice(2));
  const progress = createProgress({ stream: process.stderr, tty: process.stderr.isTTY === true });
  const say = (line: string) => progress.note(line);

  const { city, summary } = openCity(o);
  if (!o.quiet) say(summary);
  if (o.geojson) {
    fs.mkdirSync(path.dirname(path.resolve(o.geojson)), { recursive: true });
    fs.writeFileSync(o.geojson, JSON.stringify(cityGeoJson(city)));
    say(
      `wrote the road graph (${city.nodeCount} nodes, ${city.roads.length} roads) to ${o.geojson}`,
    );
    if (o.geojsonOnly) return 0;
  }

  const publisher = await createPublisher({
    brokers: o.brokers,
    topic: o.topic,
    partitions: o.partitions,
    onRetry: ({ attempt, attempts, delayMs, error }) =>
      say(
        `cannot reach Kafka at ${o.brokers.join(', ')} (attempt ${attempt} of ${attempts}: ` +
          `${error.message}); retrying in ${(delayMs / 1000).toFixed(1)} s`,
      ),
  });
  if (publisher.created) say(`created topic ${o.topic} with ${o.partitions} partitions`);

  const fleet = createFleet({
    drivers: o.drivers,
    seed: o.seed,
    city,
    faults: o.faults,
    cancelRate: o.cancelRate,
    // Runs reuse driver ids but never delivery ids, and each is a session of its own.
    runId: Date.now().toString(36),
    session: o.session,
    rebootRate: o.rebootRate,
  });
  const acked = o.ackedLog ? openAckedLog(o.ackedLog) : null;
  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) process.exit(130);
    say('stopping: flushing records in flight (Ctrl-C again to quit at once)…');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (!o.quiet)
    say(
      `${o.drivers} drivers at ${o.rateHz} Hz to ${o.topic} on ${o.brokers.join(', ')}` +
        `${o.durationS > 0 ? ` for ${o.durationS} s` : ' until Ctrl-C'}`,
    );

  let warnedBehind = false;
  let status;
  try {
    status = await runSimulator({
      fleet,
      rateHz: o.rateHz,
      durationS: o.durationS,
      failAfterMs: o.giveUpAfterS * 1000,
      ...(o.speedup > 1 ? { clock: acceleratedClock(o.speedup) } : {}),
      send: async (records) => {
        try {
          await publisher.publish(records);
        } catch (err) {
          if (err instanceof PartialSendError) acked?.write(err.sent);
          throw err;
        }
        acked?.write(records);
      },
      signal: stop.signal,
      onStatus: (s) => {
        if (!o.quiet) progress.update(s);
        else if (s.lagMs > 1000 && !warnedBehind) {
          warnedBehind = true;
          say(`behind schedule by ${(s.lagMs / 1000).toFixed(1)} s: this machine cannot keep up`);
        }
      },
    });
  } finally {
    await publisher.close().catch(() => undefined);
    acked?.close();
  }
  progress.finish(status);
  if (status.lastError) say(`last send error: ${status.lastError.message}`);
  return status.errors > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`simulate: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
