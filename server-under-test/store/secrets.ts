import { createHash, timingSafeEqual } from "node:crypto";
import type { Random } from "../../protocol/ports.ts";

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const given = Buffer.from(hashSecret(secret), "hex");
  const stored = Buffer.from(storedHash, "hex");
  return given.length === stored.length && timingSafeEqual(given, stored);
}

/** 128 bits from the injected Random, as hex. */
export function newSecret(random: Random): string {
  let out = "";
  for (let i = 0; i < 16; i++) out += Math.floor(random.next() * 256).toString(16).padStart(2, "0");
  return out;
}
