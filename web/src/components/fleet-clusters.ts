import L from 'leaflet';
import type { FleetCluster } from '@fleetstream/contracts';

/**
 * Couriers too many to draw one by one, as counted circles: few enough (one per ~60 px cell)
 * to be ordinary markers. Clicking one zooms in on it.
 */
export function createClusterLayer() {
  const group = L.layerGroup();
  let map: L.Map | null = null;
  const icon = (c: FleetCluster) => {
    const size = Math.round(26 + 10 * Math.log10(c.count));
    const offline = c.counts.offline > 0 ? ` · ${c.counts.offline} offline` : '';
    return L.divIcon({
      className: 'fleet-cluster',
      html: `<span title="${c.count} couriers${offline}">${c.count}</span>`,
      iconSize: [size, size],
    });
  };
  return {
    show(clusters: readonly FleetCluster[]): void {
      group.clearLayers();
      for (const c of clusters)
        L.marker([c.lat, c.lng], { icon: icon(c), keyboard: false })
          .on('click', () => map?.setView([c.lat, c.lng], map.getZoom() + 2))
          .addTo(group);
    },
    clear: () => void group.clearLayers(),
    addTo(m: L.Map) {
      map = m;
      group.addTo(m);
    },
    remove() {
      group.remove();
      map = null;
    },
  };
}

export type ClusterLayer = ReturnType<typeof createClusterLayer>;
