import type { Random } from "../../protocol/ports.ts";

// The official A2A SDK reads `crypto.randomUUID()` (task, context and message
// ids) and `new Date()` (status timestamps) straight from the globals. We may
// not change the SDK, so for the length of one A2A run the globals answer from
// the world: uuids from a seeded stream, dates from virtual time. Runs never
// overlap in a thread (sim/kernel/run-lock.ts), and `restore` puts the real
// ones back whatever happened.

/** Virtual time 0 is this instant, so timestamps look like dates and stay the same every run. */
const EPOCH_MS = Date.UTC(2026, 0, 1);

function uuidFrom(random: Random): string {
  const bytes: number[] = [];
  for (let i = 0; i < 16; i++) bytes.push(Math.floor(random.next() * 256));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Replaces `crypto.randomUUID` and `Date` until the returned function is called. */
export function installSdkGlobals(random: Random, now: () => number): () => void {
  const RealDate = globalThis.Date;
  const ownUuid = Object.getOwnPropertyDescriptor(globalThis.crypto, "randomUUID");
  class VirtualDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(EPOCH_MS + now());
      else super(...(args as [string | number]));
    }
    static override now(): number {
      return EPOCH_MS + now();
    }
  }
  globalThis.Date = VirtualDate as DateConstructor;
  Object.defineProperty(globalThis.crypto, "randomUUID", { value: () => uuidFrom(random), configurable: true, writable: true });
  return () => {
    globalThis.Date = RealDate;
    if (ownUuid) Object.defineProperty(globalThis.crypto, "randomUUID", ownUuid);
    else delete (globalThis.crypto as { randomUUID?: unknown }).randomUUID;
  };
}
