import { fileURLToPath } from 'node:url';
import { createCity } from './city.js';
import { BUNDLED_CITIES, loadOsmCity } from './osm-city.js';
import type { SimulatorOptions } from './options.js';
import type { City } from './road-graph.js';

/** The road network the options ask for, and a line saying what it is. */
export function openCity(
  o: Pick<SimulatorOptions, 'city' | 'osm' | 'center' | 'radiusM' | 'seed'>,
): { city: City; summary: string } {
  const started = performance.now();
  if (o.osm === null && o.city === 'synthetic') {
    const city = createCity({ center: o.center, radiusM: o.radiusM, seed: o.seed });
    return { city, summary: `synthetic city: ${city.nodeCount} intersections` };
  }
  const bundled = BUNDLED_CITIES[o.city as keyof typeof BUNDLED_CITIES];
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
