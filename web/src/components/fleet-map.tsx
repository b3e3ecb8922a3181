import { useEffect, useRef } from 'react';
import { COURIER_STATES, type PublicConfig } from '@fleetstream/contracts';
import type { CityNetwork } from '../api/public.js';
import { cityLayer } from './city-layer.js';
import { COURIER_COLORS, COURIER_LABELS, type FleetLayer } from './fleet-layer.js';
import { useLeafletMap } from './use-leaflet-map.js';

export interface FleetMapProps {
  config: PublicConfig | null;
  city: CityNetwork | null;
  /** The couriers' layer: its owner feeds it frames directly, without re-rendering this map. */
  layer: FleetLayer;
}

/** A Leaflet map of the whole fleet, over the road network, with a legend of courier states. */
export function FleetMap({ config, city, layer }: FleetMapProps) {
  const element = useRef<HTMLDivElement>(null);
  const map = useLeafletMap(element, config, 14);

  useEffect(() => {
    if (!map.current) return;
    layer.addTo(map.current);
    return () => layer.remove();
  }, [map, layer]);

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
        {COURIER_STATES.map((s) => (
          <li key={s}>
            <span className="swatch" style={{ background: COURIER_COLORS[s] }} aria-hidden />
            {COURIER_LABELS[s]}
          </li>
        ))}
      </ul>
    </div>
  );
}
