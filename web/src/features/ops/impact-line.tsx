import { impactText, type Impact } from './impact-text.js';

/**
 * The customer impact line of the ops dashboard and the home page: old positions counted by
 * cause, each cause's count readable by tests (`impact-<cause>`).
 */
export function ImpactLine({ impact }: { impact: Impact }) {
  const { headline, parts } = impactText(impact);
  return (
    <p className="impact" data-testid="impact">
      {headline}
      {parts.length > 0 && ': '}
      {parts.map((p, k) => (
        <span key={p.cause}>
          {k > 0 && (k === parts.length - 1 ? ' and ' : ', ')}
          <span data-testid={`impact-${p.cause}`} data-count={p.count}>
            {p.text}
          </span>
        </span>
      ))}
      {parts.length > 0 && '.'}
    </p>
  );
}
