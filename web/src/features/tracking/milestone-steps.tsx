import type { Milestone, NotificationMessage, TripStatus } from '@fleetstream/contracts';

const STEPS: { key: Milestone | 'assigned'; label: string }[] = [
  { key: 'assigned', label: 'Confirmed' },
  { key: 'picked_up', label: 'Picked up' },
  { key: 'nearby', label: 'Nearby' },
  { key: 'arrived', label: 'Arrived' },
  { key: 'delivered', label: 'Delivered' },
];

/** The steps a delivery has reached: from its notifications, and its status for the two it implies. */
export function reachedSteps(
  status: TripStatus | undefined,
  notifications: readonly { milestone: Milestone }[],
): Set<string> {
  const reached = new Set<string>(['assigned', ...notifications.map((n) => n.milestone)]);
  if (status === 'picked_up' || status === 'delivered') reached.add('picked_up');
  if (status === 'delivered') reached.add('delivered');
  return reached;
}

/** The delivery's progress as a row of steps, the reached ones highlighted. */
export function MilestoneSteps({ reached }: { reached: ReadonlySet<string> }) {
  return (
    <ol className="steps" aria-label="Delivery progress">
      {STEPS.map((s) => (
        <li
          key={s.key}
          className={reached.has(s.key) ? 'step-done' : ''}
          aria-current={reached.has(s.key) ? 'step' : undefined}
        >
          {s.label}
        </li>
      ))}
    </ol>
  );
}

/** A time of day as the tracking pages show it. */
export const clock = (ts: number) =>
  new Date(ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** The notifications so far, newest first; `live` announces new ones to screen readers. */
export function NotificationList({
  notifications,
  live = false,
}: {
  notifications: readonly NotificationMessage[];
  live?: boolean;
}) {
  if (notifications.length === 0) return null;
  return (
    <section className="notes" aria-label="Notifications" aria-live={live ? 'polite' : undefined}>
      <ol>
        {[...notifications].reverse().map((n) => (
          <li key={n.id} data-testid="notification">
            <time dateTime={new Date(n.ts).toISOString()}>{clock(n.ts)}</time> {n.message}
          </li>
        ))}
      </ol>
    </section>
  );
}
