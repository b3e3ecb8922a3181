import { describe, expect, it } from 'vitest';
import { impactText, type Impact } from './impact-text.js';

const base: Impact = {
  staleAfterS: 10,
  activeDeliveries: 1032,
  staleDeliveries: 0,
  offlineAfterS: 60,
  pipelineLagMs: 0,
  laggingDeliveries: 0,
  silentDeliveries: 0,
  quietDeliveries: 0,
};

describe('impactText', () => {
  it('says all are fresh only when none is stale', () => {
    expect(impactText(base)).toEqual({
      headline: 'All 1,032 active customers see positions fresher than 10 s.',
      parts: [],
    });
  });

  it('counts silent couriers as such, not as fresh (the issue: 1,000 silent for five minutes)', () => {
    const { headline, parts } = impactText({
      ...base,
      staleDeliveries: 1000,
      silentDeliveries: 1000,
    });
    expect(headline).toBe('1,000 of 1,032 active customers see positions older than 10 s');
    expect(parts).toEqual([
      {
        cause: 'silent',
        count: 1000,
        text: '1,000 because their courier is silent (offline: nothing for over 60 s)',
      },
    ]);
  });

  it('tells the pipeline’s share apart, with its lag', () => {
    const { parts } = impactText({
      ...base,
      staleDeliveries: 130,
      pipelineLagMs: 42_000,
      laggingDeliveries: 100,
      silentDeliveries: 25,
      quietDeliveries: 5,
    });
    expect(parts.map((p) => [p.cause, p.count])).toEqual([
      ['lagging', 100],
      ['silent', 25],
      ['quiet', 5],
    ]);
    expect(parts[0]!.text).toBe('100 because the pipeline lags (live-push is 42 s behind)');
  });
});
