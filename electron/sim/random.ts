// Seeded randomness, so a simulation with the same seed replays exactly.

/** Returns floats in [0, 1). */
export type Random = () => number;

/** mulberry32: small, fast, good enough for loss and backoff draws. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export function randomInt(random: Random, minInclusive: number, maxExclusive: number): number {
  return minInclusive + Math.floor(random() * (maxExclusive - minInclusive));
}

/** A non-zero unsigned 32-bit value, as packet ids and node numbers must be. */
export function randomUint32(random: Random): number {
  return randomInt(random, 1, 0x1_0000_0000) >>> 0;
}
