import { useEffect, useState } from 'react';
import type { PublicConfig } from '@fleetstream/contracts';
import { fetchCity, fetchPublicConfig, type CityNetwork } from '../../api/public.js';

/** What the tracking map needs from the server: its settings (defaults if unreachable) and roads. */
export function useMapData(): { config: PublicConfig | null; city: CityNetwork | null } {
  const [config, setConfig] = useState<PublicConfig | null>(null);
  const [city, setCity] = useState<CityNetwork | null>(null);
  useEffect(() => {
    fetchPublicConfig().then(setConfig, () =>
      setConfig({
        tileUrl: null,
        tileAttribution: '',
        staleAfterS: 10,
        deadReckonS: 5,
        pingIntervalMs: 15_000,
      }),
    );
    void fetchCity().then(setCity);
  }, []);
  return { config, city };
}
