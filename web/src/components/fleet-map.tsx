import { useEffect, useRef } from 'react';
import { COURIER_STATES, type FleetViewport, type PublicConfig } from '@fleetstream/contracts';
import type { CityNetwork } from '../api/public.js';
import { cityLayer } from './city-layer.js';
import type { ClusterLayer } from './fleet-clusters.js';
import { COURIER_COLORS, COURIER_LABELS, type FleetLayer } from './fleet-layer.js';
import { useLeafletMap } from './use-leaflet-map.js';

export interface FleetMapProps {
  config: PublicConfig | null;
  city: CityNetwork | null;
  /** The couriers' layer: its owner feeds it frames directly, without re-rendering this map. */
  layer: FleetLayer;
  /** Clusters, for a live map zoomed out over many couriers. */
  clusters?: ClusterLayer;
  /** Called with what the map shows, at first and after every move or zoom. */
  onViewport?: (viewport: FleetViewport) => void;
  /** Show the offline state in the legend (a live map). */
  withOffline?: boolean;
}

/** A Leaflet map of the whole fleet, over the road network, with a legend of courier states. */
export function FleetMap({
  config,
  city,
  layer,
  clusters,
  onViewport,
  withOffline,
}: FleetMapProps) {
  const element = useRef<HTMLDivElement>(null);
  const map = useLeafletMap(element, config, 14);

  useEffect(() => {
    if (!map.current) return;
    layer.addTo(map.current);
    clusters?.addTo(map.current);
    return () => {
      layer.remove();
      clusters?.remove();
    };
  }, [map, layer, clusters]);

  useEffect(() => {
    const m = map.current;
    if (!m || !onViewport) return;
    const report = () => {
      const b = m.getBounds();
      onViewport({
        type: 'viewport',
        south: b.getSouth(),
        west: b.getWest(),
        north: b.getNorth(),
        east: b.getEast(),
        zoom: m.getZoom(),
      });
    };
    m.on('moveend', report);
    report();
    return () => void m.off('moveend', report);
  }, [map, onViewport]);

  useEffect(() => {
    const m = map.current;
    if (!m || !city) return;
    const roads = cityLayer(city).addTo(m);
    roads.bringToBack();
    // Until couriers show up, show the city rather than the map's default place.
    const bounds = roads.getBounds();
    if (layer.size === 0 && bounds.isValid()) m.fitBounds(bounds);
    return () => void roads.remove();
  }, [city, map, layer]);

  return (
    <div className="fleet-map-wrap">
      <div ref={element} className="map fleet-map" role="region" aria-label="Fleet map" />
      <ul className="legend" aria-label="Legend">
        {[...COURIER_STATES, ...(withOffline ? (['offline'] as const) : [])].map((s) => (
          <li key={s}>
            <span className="swatch" style={{ background: COURIER_COLORS[s] }} aria-hidden />
            {COURIER_LABELS[s]}
          </li>
        ))}
      </ul>
    </div>
  );
}
