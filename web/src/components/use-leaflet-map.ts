import { useEffect, useRef, type RefObject } from 'react';
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import type { PublicConfig } from '@fleetstream/contracts';

/**
 * A Leaflet map in `element`, with tiles from the configured URL; with none (or none reachable)
 * the layers still draw on a plain background.
 */
export function useLeafletMap(
  element: RefObject<HTMLDivElement | null>,
  config: PublicConfig | null,
  zoom = 13,
): RefObject<L.Map | null> {
  const map = useRef<L.Map | null>(null);
  useEffect(() => {
    if (!element.current || map.current) return;
    map.current = L.map(element.current, { zoomControl: true, attributionControl: true }).setView(
      [52.52, 13.405],
      zoom,
    );
    return () => {
      map.current?.remove();
      map.current = null;
    };
  }, [element, zoom]);

  useEffect(() => {
    if (!map.current || !config?.tileUrl) return;
    const tiles = L.tileLayer(config.tileUrl, {
      attribution: config.tileAttribution,
      maxZoom: 19,
    }).addTo(map.current);
    return () => void tiles.remove();
  }, [config]);
  return map;
}
