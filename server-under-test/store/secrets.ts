import { hash, timingSafeEqual } from "node:crypto";
import type { Random } from "../../protocol/ports.ts";

// One-shot hashing: every redeem checks a secret, and a Hash object per check cost more than the digest.
export function hashSecret(secret: string): string {
  return hash("sha256", secret, "hex");
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const given = hash("sha256", secret, "buffer");
  const stored = Buffer.from(storedHash, "hex");
  return given.length === stored.length && timingSafeEqual(given, stored);
}

/** 128 bits from the injected Random, as hex. */
export function newSecret(random: Random): string {
  let out = "";
  for (let i = 0; i < 16; i++) out += Math.floor(random.next() * 256).toString(16).padStart(2, "0");
  return out;
}
