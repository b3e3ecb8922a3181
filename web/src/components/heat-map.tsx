import { useEffect, useRef } from 'react';
import L from 'leaflet';
import type { HeatGrid, PublicConfig } from '@fleetstream/contracts';
import { useLeafletMap } from './use-leaflet-map.js';

export interface HeatMapProps {
  config: PublicConfig | null;
  grid: HeatGrid | null;
}

/** Cell colour from pale yellow to deep red, by share of the busiest cell (log scale). */
function shade(fixes: number, max: number): string {
  const x = max > 1 ? Math.log(fixes) / Math.log(max) : 1;
  const hue = 50 - 50 * x;
  return `hsl(${hue.toFixed(0)} 90% ${(60 - 15 * x).toFixed(0)}%)`;
}

/**
 * A Leaflet map with the analytics heat grid as a layer of coloured cells (fixes per cell).
 * Tiles as in MapView: from the configured URL, or none and a plain background.
 */
export function HeatMap({ config, grid }: HeatMapProps) {
  const element = useRef<HTMLDivElement>(null);
  const map = useLeafletMap(element, config, 11);
  const fitted = useRef(false);

  useEffect(() => {
    const m = map.current;
    if (!m || !grid || grid.cells.length === 0) return;
    const max = Math.max(...grid.cells.map((c) => c.fixes));
    const d = grid.cellDeg;
    const layer = L.layerGroup(
      grid.cells.map((c) =>
        L.rectangle(
          [
            [c.lat, c.lng],
            [c.lat + d, c.lng + d],
          ],
          {
            className: 'heat-cell',
            color: shade(c.fixes, max),
            fillColor: shade(c.fixes, max),
            fillOpacity: 0.55,
            weight: 0,
          },
        ).bindTooltip(`${c.fixes} fixes`),
      ),
    ).addTo(m);
    if (!fitted.current) {
      const bounds = L.latLngBounds(grid.cells.map((c) => [c.lat + d / 2, c.lng + d / 2]));
      m.fitBounds(bounds.pad(0.1), { maxZoom: 15 });
      fitted.current = true;
    }
    return () => void layer.remove();
  }, [grid]);

  return (
    <div
      ref={element}
      className="map heat-map"
      role="region"
      aria-label="Heat map of fixes"
      data-testid="heat-map"
      data-cells={grid?.cells.length ?? 0}
    />
  );
}
