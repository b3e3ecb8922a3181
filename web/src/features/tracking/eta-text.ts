/**
 * An ETA range as a customer reads it: "about 1 min", "about 4 min" when both ends round to the
 * same minute, else "4–6 min". Never "1–1 min", and never under a minute (a courier who is that
 * close is better told by "nearby" and "arrived").
 */
export function etaText(minS: number, maxS: number): string {
  const lo = Math.max(1, Math.round(Math.min(minS, maxS) / 60));
  const hi = Math.max(lo, Math.round(Math.max(minS, maxS) / 60));
  return lo === hi ? `about ${lo} min` : `${lo}–${hi} min`;
}
