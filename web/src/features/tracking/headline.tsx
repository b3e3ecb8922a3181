import type { PositionMessage, TripStatus } from '@fleetstream/contracts';
import { etaText } from './eta-text.js';
import { clock } from './milestone-steps.js';

/** What the page says first about a delivery in this state (live or replayed). */
export function tripHeadline(
  status: TripStatus | undefined,
  reached: ReadonlySet<string>,
  statusTs: number | undefined,
): string {
  if (status === 'delivered') return `Delivered at ${clock(statusTs ?? Date.now())}`;
  if (status === 'cancelled') return 'This delivery was cancelled';
  if (reached.has('arrived')) return 'Your courier has arrived';
  if (status === 'picked_up') return 'Your order is on its way';
  return 'Your courier is heading to the restaurant';
}

/** The ETA the position carried (as it was at that moment), until the delivery is done. */
export const etaShown = (position: PositionMessage | null, delivered: boolean): string | null =>
  !delivered && position?.etaMinS !== undefined && position.etaMaxS !== undefined
    ? etaText(position.etaMinS, position.etaMaxS)
    : null;

/** The page's title and, while one is known, the arrival estimate. */
export function Headline({ title, eta }: { title: string; eta: string | null }) {
  return (
    <>
      <h1 className="tracking-title" data-testid="tracking-title">
        {title}
      </h1>
      {eta && (
        <p className="eta" data-testid="eta">
          Arriving in <strong>{eta}</strong>
        </p>
      )}
    </>
  );
}
