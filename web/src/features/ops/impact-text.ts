import type { LagSnapshot } from '@fleetstream/contracts';

export type Impact = LagSnapshot['impact'];

/** "800 ms", "12 s", "4.5 min". */
export function durationText(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** One cause of old positions: how many customers, and why. */
export interface ImpactPart {
  cause: 'lagging' | 'silent' | 'quiet';
  count: number;
  text: string;
}

/**
 * The customer impact line: how many active customers see an old position, and the causes
 * told apart (the pipeline lagging, a silent courier, a courier quiet for less than the offline
 * threshold), so that couriers gone silent are never reported as fresh, nor blamed on Kafka.
 */
export function impactText(i: Impact): { headline: string; parts: ImpactPart[] } {
  const active = i.activeDeliveries.toLocaleString('en');
  if (i.staleDeliveries === 0)
    return {
      headline: `All ${active} active customers see positions fresher than ${i.staleAfterS} s.`,
      parts: [],
    };
  const lag = i.pipelineLagMs > 0 ? ` (live-push is ${durationText(i.pipelineLagMs)} behind)` : '';
  const parts: ImpactPart[] = [
    {
      cause: 'lagging' as const,
      count: i.laggingDeliveries,
      text: `${i.laggingDeliveries.toLocaleString('en')} because the pipeline lags${lag}`,
    },
    {
      cause: 'silent' as const,
      count: i.silentDeliveries,
      text: `${i.silentDeliveries.toLocaleString('en')} because their courier is silent (offline: nothing for over ${i.offlineAfterS} s)`,
    },
    {
      cause: 'quiet' as const,
      count: i.quietDeliveries,
      text: `${i.quietDeliveries.toLocaleString('en')} whose courier has been quiet for less than ${i.offlineAfterS} s`,
    },
  ].filter((p) => p.count > 0);
  return {
    headline: `${i.staleDeliveries.toLocaleString('en')} of ${active} active customers see positions older than ${i.staleAfterS} s`,
    parts,
  };
}
