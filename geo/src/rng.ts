/** A seeded PRNG returning floats in [0, 1). */
export type Rng = () => number;

/** A small seeded PRNG (mulberry32): the same seed gives the same fleet, run after run. */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * An independent stream per (seed, index), so a driver's randomness does not depend on how many
 * other drivers there are or in which order they are ticked.
 */
export function deriveRng(seed: number, index: number): Rng {
  return createRng(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35));
}

/** Uniform in [min, max). */
export const uniform = (rnd: Rng, min: number, max: number) => min + (max - min) * rnd();

/** A standard normal variate (Box–Muller; the second variate is dropped to keep no state). */
export function gaussian(rnd: Rng): number {
  const u = 1 - rnd();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
}
