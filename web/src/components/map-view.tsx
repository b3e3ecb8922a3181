import { useEffect, useRef } from 'react';
import L from 'leaflet';
import type { LatLng, PublicConfig, TrailPoint } from '@fleetstream/contracts';
import type { CityNetwork } from '../api/public.js';
import { cityLayer } from './city-layer.js';
import { useLeafletMap } from './use-leaflet-map.js';

/** Where to draw the courier at a moment, and how sure we are. */
export interface DriverView extends LatLng {
  /** live: recent fix; estimated: dead reckoning or a late fix; stale: too long without a fix. */
  freshness: 'live' | 'estimated' | 'stale';
  accuracyM?: number;
}

export interface MapViewProps {
  config: PublicConfig | null;
  city: CityNetwork | null;
  /** Called every animation frame; null while the courier's position is unknown. */
  driverAt: (now: number) => DriverView | null;
  pickup: LatLng | null;
  dropoff: LatLng | null;
  trail: readonly TrailPoint[];
  /** The rest of the planned route, from the courier on. */
  remainingRoute: readonly LatLng[];
}

const dot = (className: string, label: string) =>
  L.divIcon({
    className: `marker ${className}`,
    html: `<span role="img" aria-label="${label}"></span>`,
    iconSize: [18, 18],
    iconAnchor: [9, 9],
  });

/**
 * A Leaflet map with the courier, pickup, dropoff, driven trail and remaining route. The courier
 * marker is moved every animation frame from `driverAt`, outside React, so motion costs no
 * re-render. Tiles come from the configured URL; with none the layers draw on a plain
 * background, over the road network when the deployment serves one.
 */
export function MapView({
  config,
  city,
  driverAt,
  pickup,
  dropoff,
  trail,
  remainingRoute,
}: MapViewProps) {
  const element = useRef<HTMLDivElement>(null);
  const map = useLeafletMap(element, config, 15);
  const layers = useRef<{
    pickup?: L.Marker;
    dropoff?: L.Marker;
    trail?: L.Polyline;
    route?: L.Polyline;
    fitted?: boolean;
  }>({});
  const driverFn = useRef(driverAt);
  driverFn.current = driverAt;

  useEffect(() => {
    if (!map.current || !city) return;
    const roads = cityLayer(city).addTo(map.current);
    roads.bringToBack();
    // Until the delivery's own view is fitted, show the city rather than the map's default place.
    const bounds = roads.getBounds();
    if (!layers.current.fitted && bounds.isValid()) map.current.fitBounds(bounds);
    return () => void roads.remove();
  }, [city, map]);

  // The courier: one marker and its accuracy halo, moved each frame.
  useEffect(() => {
    const m = map.current;
    if (!m) return;
    let marker: L.Marker | null = null;
    let halo: L.Circle | null = null;
    let shownFreshness = '';
    let frame = 0;
    const draw = () => {
      const d = driverFn.current(Date.now());
      if (d) {
        if (!marker) {
          marker = L.marker([d.lat, d.lng], {
            icon: dot('marker-driver', 'Courier'),
            title: 'Courier',
            keyboard: false,
            zIndexOffset: 1000,
          }).addTo(m);
          halo = L.circle([d.lat, d.lng], {
            radius: d.accuracyM ?? 0,
            className: 'accuracy-halo',
            interactive: false,
          }).addTo(m);
        }
        marker.setLatLng([d.lat, d.lng]);
        halo!.setLatLng([d.lat, d.lng]);
        halo!.setRadius(d.accuracyM ?? 0);
        if (d.freshness !== shownFreshness) {
          const el = marker.getElement();
          el?.classList.remove('driver-live', 'driver-estimated', 'driver-stale');
          el?.classList.add(`driver-${d.freshness}`);
          if (el) el.dataset.freshness = d.freshness;
          shownFreshness = d.freshness;
        }
      }
      frame = requestAnimationFrame(draw);
    };
    frame = requestAnimationFrame(draw);
    return () => {
      cancelAnimationFrame(frame);
      marker?.remove();
      halo?.remove();
    };
  }, [map]);

  useEffect(() => {
    const m = map.current;
    if (!m) return;
    const l = layers.current;
    const place = (
      key: 'pickup' | 'dropoff',
      at: LatLng | null,
      icon: L.DivIcon,
      title: string,
    ) => {
      if (!at) return;
      if (!l[key]) l[key] = L.marker([at.lat, at.lng], { icon, title, keyboard: false }).addTo(m);
      else l[key].setLatLng([at.lat, at.lng]);
    };
    place('pickup', pickup, dot('marker-pickup', 'Pickup'), 'Pickup');
    place('dropoff', dropoff, dot('marker-dropoff', 'Dropoff'), 'Dropoff');
    // Lines are (re)made only with two points or more: an empty polyline never shows up later.
    const line = (key: 'trail' | 'route', points: readonly LatLng[], style: L.PolylineOptions) => {
      const latlngs = points.map((p) => [p.lat, p.lng] as [number, number]);
      const existing = l[key];
      if (latlngs.length < 2) {
        existing?.remove();
        l[key] = undefined;
      } else if (!existing || !m.hasLayer(existing)) {
        existing?.remove();
        l[key] = L.polyline(latlngs, { ...style, interactive: false }).addTo(m);
      } else existing.setLatLngs(latlngs);
    };
    line('trail', trail, { color: '#2563eb', weight: 4, opacity: 0.7 });
    line('route', remainingRoute, { color: '#16a34a', weight: 4, opacity: 0.8, dashArray: '6 8' });
    const anchor = trail.at(-1) ?? pickup;
    if (!l.fitted && anchor) {
      const bounds = L.latLngBounds(
        [anchor, pickup, dropoff].filter((p): p is LatLng => p !== null).map((p) => [p.lat, p.lng]),
      );
      m.fitBounds(bounds.pad(0.3), { maxZoom: 16 });
      l.fitted = true;
    }
  }, [map, pickup, dropoff, trail, remainingRoute]);

  return <div ref={element} className="map" role="region" aria-label="Delivery map" />;
}
