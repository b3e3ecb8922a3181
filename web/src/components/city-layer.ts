import L from 'leaflet';
import type { CityNetwork } from '../api/public.js';

/** Leaflet renders attributions as HTML; the road file's text is shown as text. */
const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The road network drawn under a map's layers: arterials wider, closed roads faded. */
export function cityLayer(city: CityNetwork): L.GeoJSON {
  return L.geoJSON(city, {
    style: (f) => ({
      color: f?.properties?.kind === 'arterial' ? '#9aa5b1' : '#c8ced6',
      weight: f?.properties?.kind === 'arterial' ? 4 : 2,
      opacity: f?.properties?.closed ? 0.3 : 1,
    }),
    interactive: false,
    // Streets from OpenStreetMap must say so on the map (ODbL), whatever the tiles are.
    ...(typeof city.attribution === 'string' ? { attribution: escapeHtml(city.attribution) } : {}),
  });
}
