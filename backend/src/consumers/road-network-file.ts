import fs from 'node:fs';
import { createRoadNetwork, type RoadNetwork } from '@fleetstream/geo';
import type { Logger } from '../infra/logger.js';

/**
 * The deployment's road network (CITY_GEOJSON), loaded on first use. The simulator writes the
 * file when it starts, possibly after the workers: until it exists, look again every 10 s.
 */
export function roadNetworkFile(file: string | undefined, log: Logger): () => RoadNetwork | null {
  let network: RoadNetwork | null = null;
  let lastTry = 0;
  return () => {
    if (network || !file || Date.now() - lastTry < 10_000) return network;
    lastTry = Date.now();
    try {
      network = createRoadNetwork(JSON.parse(fs.readFileSync(file, 'utf8')));
      log.info({ nodes: network.nodes }, 'road network loaded');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        log.warn({ err: (err as Error).message }, 'cannot read the road network');
    }
    return network;
  };
}
