import type { Random } from "../../protocol/ports.ts";

// Small helpers over the one-method Random port, so any Random (seeded or real) works.

/** Integer in [lo, hi], both inclusive. */
export function drawInt(random: Random, lo: number, hi: number): number {
  return lo + Math.floor(random.next() * (hi - lo + 1));
}

export function drawChance(random: Random, p: number): boolean {
  return p > 0 && random.next() < p;
}

/** Picks a key with probability proportional to its weight. */
export function drawWeighted<K extends string>(random: Random, weights: Readonly<Record<K, number>>): K {
  const entries = Object.entries(weights) as [K, number][];
  const total = entries.reduce((sum, [, w]) => sum + Math.max(0, w), 0);
  if (total <= 0) return entries[0]![0];
  let roll = random.next() * total;
  for (const [key, w] of entries) {
    roll -= Math.max(0, w);
    if (roll < 0) return key;
  }
  return entries[entries.length - 1]![0];
}

export function drawPick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random.next() * items.length)]!;
}
