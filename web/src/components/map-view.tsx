import { useEffect, useRef } from 'react';
import L from 'leaflet';
import type { LatLng, PublicConfig, TrailPoint } from '@fleetstream/contracts';
import { useLeafletMap } from './use-leaflet-map.js';

export interface MapViewProps {
  config: PublicConfig | null;
  city: GeoJSON.FeatureCollection | null;
  driver: (LatLng & { headingDeg?: number }) | null;
  pickup: LatLng | null;
  dropoff: LatLng | null;
  trail: readonly TrailPoint[];
}

const dot = (className: string, label: string) =>
  L.divIcon({
    className: `marker ${className}`,
    html: `<span aria-label="${label}"></span>`,
    iconSize: [18, 18],
    iconAnchor: [9, 9],
  });

/**
 * A Leaflet map with the driver, pickup, dropoff and trail. Tiles come from the configured URL;
 * with none (or none reachable) the markers still show on a plain background, over the road
 * network when the deployment serves one.
 */
export function MapView({ config, city, driver, pickup, dropoff, trail }: MapViewProps) {
  const element = useRef<HTMLDivElement>(null);
  const map = useLeafletMap(element, config);
  const layers = useRef<{
    driver?: L.Marker;
    pickup?: L.Marker;
    dropoff?: L.Marker;
    trail?: L.Polyline;
    fitted?: boolean;
  }>({});

  useEffect(() => {
    if (!map.current || !city) return;
    const roads = L.geoJSON(city, {
      style: (f) => ({
        color: f?.properties?.kind === 'arterial' ? '#9aa5b1' : '#c8ced6',
        weight: f?.properties?.kind === 'arterial' ? 4 : 2,
        opacity: f?.properties?.closed ? 0.3 : 1,
      }),
      interactive: false,
    }).addTo(map.current);
    roads.bringToBack();
    return () => void roads.remove();
  }, [city]);

  useEffect(() => {
    const m = map.current;
    if (!m) return;
    const l = layers.current;
    const place = (
      key: 'pickup' | 'dropoff' | 'driver',
      at: LatLng | null,
      icon: L.DivIcon,
      title: string,
    ) => {
      if (!at) return;
      if (!l[key]) l[key] = L.marker([at.lat, at.lng], { icon, title, keyboard: false }).addTo(m);
      else l[key].setLatLng([at.lat, at.lng]);
    };
    place('pickup', pickup, dot('marker-pickup', 'pickup'), 'Pickup');
    place('dropoff', dropoff, dot('marker-dropoff', 'dropoff'), 'Dropoff');
    place('driver', driver, dot('marker-driver', 'driver'), 'Driver');
    const points = trail.map((p) => [p.lat, p.lng] as [number, number]);
    if (!l.trail)
      l.trail = L.polyline(points, { color: '#2563eb', weight: 4, opacity: 0.7 }).addTo(m);
    else l.trail.setLatLngs(points);
    if (!l.fitted && (driver || pickup)) {
      const bounds = L.latLngBounds(
        [driver, pickup, dropoff].filter((p): p is LatLng => p !== null).map((p) => [p.lat, p.lng]),
      );
      m.fitBounds(bounds.pad(0.3), { maxZoom: 16 });
      l.fitted = true;
    }
  }, [driver, pickup, dropoff, trail]);

  return <div ref={element} className="map" role="region" aria-label="Delivery map" />;
}
