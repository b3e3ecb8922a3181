import { fileURLToPath } from 'node:url';
import { createCity, type City, type DeliveryArea } from '@fleetstream/geo';
import { loadOsmCity } from '@fleetstream/geo/osm';
import type { SimulatorOptions } from './options.js';

/** The OSM extracts shipped with the simulator, by name (see data/LICENSE.md). */
export const BUNDLED_CITIES = {
  monaco: {
    file: new URL('../data/monaco.osm.pbf', import.meta.url),
    // The principality from Fontvieille to Larvotto, with the streets of Beausoleil and
    // Cap-d'Ail that run into it; the extract's hillside roads above stay for routing only.
    area: { center: { lat: 43.737, lng: 7.426 }, radiusM: 1700 },
  },
} as const satisfies Record<string, { file: URL; area: DeliveryArea }>;
export type BundledCity = keyof typeof BUNDLED_CITIES;

/** The road network the options ask for, and a line saying what it is. */
export function openCity(
  o: Pick<SimulatorOptions, 'city' | 'osm' | 'center' | 'radiusM' | 'seed'>,
): { city: City; summary: string } {
  const started = performance.now();
  if (o.osm === null && o.city === 'synthetic') {
    const city = createCity({ center: o.center, radiusM: o.radiusM, seed: o.seed });
    return { city, summary: `synthetic city: ${city.nodeCount} intersections` };
  }
  const bundled = BUNDLED_CITIES[o.city as BundledCity];
  const { city, stats } = o.osm
    ? loadOsmCity(o.osm)
    : loadOsmCity(fileURLToPath(bundled.file), bundled.area);
  const ms = Math.round(performance.now() - started);
  return {
    city,
    summary:
      `${city.name} (© OpenStreetMap contributors, ODbL): ${stats.keptNodes} nodes and ` +
      `${stats.keptRoads} roads kept of ${stats.nodes} and ${stats.roads} (the largest of ` +
      `${stats.components} strongly connected parts), loaded in ${ms} ms`,
  };
}
