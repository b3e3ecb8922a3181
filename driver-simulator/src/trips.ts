import { gaussian, type City, type Rng } from '@fleetstream/geo';

/**
 * A distance distribution: lognormal, as delivery distances are (many short trips, a long tail),
 * clipped to [minM, maxM]. Distances are straight-line; roads add a detour on top.
 */
export interface DistanceDistribution {
  medianM: number;
  /** Spread of log(distance); 0.5 puts two trips in three within ×0.6…×1.65 of the median. */
  sigma: number;
  minM: number;
  maxM: number;
}

/** Courier to restaurant: usually close, since dispatch picks a courier nearby. */
export const PICKUP_DISTANCE: DistanceDistribution = {
  medianM: 600,
  sigma: 0.6,
  minM: 150,
  maxM: 3000,
};
/** Restaurant to customer: about 1.9 km straight, 2.5–3 km by road (a typical food delivery). */
export const DROPOFF_DISTANCE: DistanceDistribution = {
  medianM: 1200,
  sigma: 0.45,
  minM: 500,
  maxM: 3500,
};

export function sampleDistance(rnd: Rng, d: DistanceDistribution): number {
  const m = d.medianM * Math.exp(d.sigma * gaussian(rnd));
  return Math.min(d.maxM, Math.max(d.minM, m));
}

const TRIES = 12;

/**
 * A node about `distM` from `from` in a random direction. Points that fall off the network (the
 * sea, beyond the extract) snap to its nearest node; of a few directions the node closest to
 * the wanted distance wins, which clips the distance to what the city (its delivery area)
 * allows.
 */
export function nodeAtDistance(city: City, rnd: Rng, from: number, distM: number): number {
  const { x, y } = city;
  let best = -1;
  let bestErr = Infinity;
  for (let k = 0; k < TRIES; k++) {
    const theta = rnd() * 2 * Math.PI;
    const node = city.nearestNode(
      x[from]! + distM * Math.sin(theta),
      y[from]! + distM * Math.cos(theta),
    );
    if (node === from || !city.inArea(node)) continue;
    const err = Math.abs(Math.hypot(x[node]! - x[from]!, y[node]! - y[from]!) - distM);
    if (err < bestErr) [best, bestErr] = [node, err];
    if (bestErr < distM * 0.1) break;
  }
  return best < 0 ? city.randomNode(rnd) : best;
}
