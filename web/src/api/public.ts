import type { PublicConfig } from '@fleetstream/contracts';
import { getJson } from './http.js';

export const fetchPublicConfig = () => getJson<PublicConfig>('/api/config');

/** The road network: GeoJSON, with its data source's attribution when it has one. */
export type CityNetwork = GeoJSON.FeatureCollection & { attribution?: string };

/** The road network as GeoJSON, or null when the deployment has none. */
export async function fetchCity(): Promise<CityNetwork | null> {
  try {
    return await getJson<CityNetwork>('/api/city.geojson');
  } catch {
    return null;
  }
}

/** Body of GET /healthz. */
export interface Health {
  status: 'ok' | 'unavailable';
  components: {
    kafka: { ok: boolean; error?: string };
    redis: {
      ok: boolean;
      error?: string;
      mode?: 'standalone' | 'cluster';
      /** Each node: the one server, or every primary and replica of a cluster. */
      nodes?: {
        address: string;
        role: 'primary' | 'replica';
        ok: boolean;
        pingMs?: number;
        error?: string;
      }[];
    };
    roles: Record<string, { ok: boolean; instances: number; ready: number }>;
  };
}

export async function fetchHealth(): Promise<Health> {
  const res = await fetch('/healthz');
  if (res.status !== 200 && res.status !== 503) throw new Error(`HTTP ${res.status}`);
  return (await res.json()) as Health;
}
