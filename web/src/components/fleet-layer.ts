import L from 'leaflet';
import type { FleetCourier, FleetState } from '@fleetstream/contracts';

export const COURIER_COLORS: Record<FleetState, string> = {
  to_pickup: '#d97706',
  to_customer: '#2563eb',
  idle: '#6b7280',
  offline: '#dc2626',
};
export const COURIER_LABELS: Record<FleetState, string> = {
  to_pickup: 'Heading to a pickup',
  to_customer: 'Delivering',
  idle: 'Idle',
  offline: 'Offline (silent)',
};

/** What a replay frame or a live snapshot says of one courier. */
type CourierUpdate = Readonly<FleetCourier>;

interface Courier {
  driverId: string;
  deliveryId: string | null;
  state: FleetState;
  ts: number;
  marker: L.CircleMarker;
}

/** A courier someone clicked. */
export interface SelectedCourier {
  driverId: string;
  deliveryId: string | null;
  state: FleetState;
  ts: number;
}

/** Every courier of a fleet as a dot on one canvas, moved in place frame after frame. */
export interface FleetLayer {
  /** Moves the couriers of a frame (adding those not seen yet); the others stay where they are. */
  update(couriers: readonly CourierUpdate[]): void;
  /** Shows exactly these couriers: moves them, and removes those not among them. */
  show(couriers: readonly CourierUpdate[]): void;
  /** Forgets every courier (after a seek, or for a new replay). */
  clear(): void;
  readonly size: number;
  addTo(map: L.Map): void;
  remove(): void;
}

const PANE = 'couriers';
const style = (state: FleetState): L.CircleMarkerOptions => ({
  color: '#fff',
  weight: 1,
  fillColor: COURIER_COLORS[state],
  fillOpacity: 0.95,
});

function popupContent(c: Courier): HTMLElement {
  const el = document.createElement('div');
  el.dataset.testid = 'courier-popup';
  const line = (label: string, value: string) => {
    const p = document.createElement('div');
    const b = document.createElement('strong');
    b.textContent = `${label} `;
    p.append(b, value);
    el.append(p);
  };
  line('Courier', c.driverId);
  line('Delivery', c.deliveryId ?? 'none');
  line('State', COURIER_LABELS[c.state]);
  line('Fix at', new Date(c.ts).toLocaleTimeString());
  return el;
}

/**
 * Thousands of couriers stay fluid: they share one canvas renderer (no DOM element each), a
 * marker is made once per courier and then only moved or recoloured, and one popup serves all.
 */
export function createFleetLayer(
  o: {
    onSelect?: (courier: SelectedCourier | null) => void;
    /** Fit the view to the couriers as they appear (a replay); a live map keeps its view. */
    follow?: boolean;
  } = {},
): FleetLayer {
  const { onSelect, follow = true } = o;
  const renderer = L.canvas({ pane: PANE, padding: 0.2 });
  const group = L.featureGroup();
  const popup = L.popup({ autoPan: false });
  const couriers = new Map<string, Courier>();
  const byMarker = new Map<number, Courier>();
  let map: L.Map | null = null;
  let selected: Courier | null = null;
  // The view follows the fleet as couriers appear, until the person moves the map themselves.
  let userMoved = false;
  let fittedTo = 0;
  const onUser = () => void (userMoved = true);

  group.on('click', (e: L.LeafletMouseEvent & { propagatedFrom?: L.Layer }) => {
    const c = e.propagatedFrom ? byMarker.get(L.stamp(e.propagatedFrom)) : undefined;
    if (!c || !map) return;
    selected = c;
    popup.setLatLng(c.marker.getLatLng()).setContent(popupContent(c)).openOn(map);
    onSelect?.({ driverId: c.driverId, deliveryId: c.deliveryId, state: c.state, ts: c.ts });
  });
  popup.on('remove', () => onSelect?.(null));

  const drop = (c: Courier) => {
    group.removeLayer(c.marker);
    couriers.delete(c.driverId);
    byMarker.delete(L.stamp(c.marker));
    if (selected === c) popup.close();
  };

  const layer: FleetLayer = {
    show(list) {
      const keep = new Set(list.map((c) => c[0]));
      for (const c of [...couriers.values()]) if (!keep.has(c.driverId)) drop(c);
      layer.update(list);
    },
    update(list) {
      for (const [driverId, deliveryId, lat, lng, ts, state] of list) {
        const known = couriers.get(driverId);
        if (known) {
          known.marker.setLatLng([lat, lng]);
          if (known.state !== state) known.marker.setStyle(style(state));
          known.deliveryId = deliveryId;
          known.state = state;
          known.ts = ts;
          continue;
        }
        const marker = L.circleMarker([lat, lng], { renderer, radius: 5, ...style(state) });
        const c: Courier = { driverId, deliveryId, state, ts, marker };
        couriers.set(driverId, c);
        byMarker.set(L.stamp(marker), c);
        group.addLayer(marker);
      }
      if (selected && map?.hasLayer(popup))
        popup.setLatLng(selected.marker.getLatLng()).setContent(popupContent(selected));
      if (map && follow && !userMoved && couriers.size > fittedTo) {
        fittedTo = couriers.size;
        map.fitBounds(group.getBounds().pad(0.1), { maxZoom: 16 });
      }
    },
    clear() {
      group.clearLayers();
      couriers.clear();
      byMarker.clear();
      selected = null;
      popup.close();
    },
    get size() {
      return couriers.size;
    },
    addTo(m) {
      map = m;
      userMoved = false;
      fittedTo = 0;
      for (const e of ['mousedown', 'wheel', 'touchstart'])
        m.getContainer().addEventListener(e, onUser, { passive: true });
      // Above the road network (overlay pane, 400), below popups.
      if (!m.getPane(PANE)) m.createPane(PANE).style.zIndex = '450';
      group.addTo(m);
    },
    remove() {
      for (const e of ['mousedown', 'wheel', 'touchstart'])
        map?.getContainer().removeEventListener(e, onUser);
      popup.close();
      group.remove();
      map = null;
    },
  };
  return layer;
}
