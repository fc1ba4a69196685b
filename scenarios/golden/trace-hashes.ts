import { join } from "node:path";
import { projectRoot } from "../../build/fresh.mjs";
import { runScenario } from "../../sim/run-scenario.ts";
import { generateScenario } from "../../sim/scenario/generate.ts";
import { TRANSPORTS, type TransportName } from "../../sim/scenario/schema.ts";

// The golden trace hashes: what seeds 1..60 do on each transport, pinned. A
// change that should not alter behaviour leaves every hash alone; one that
// does rewrites the file (`npm run golden`) in the same commit and says why.

export const GOLDEN = { seeds: 60, profile: "swarm", ops_max: 40 } as const;

export type GoldenHashes = Record<TransportName, string[]>;

export interface GoldenFile {
  about: string;
  seeds: number;
  profile: string;
  ops_max: number;
  hashes: GoldenHashes;
}

export const GOLDEN_PATH = join(projectRoot(), "scenarios/golden/trace-hashes.json");

/** Runs every golden seed on every transport, in order. */
export async function goldenHashes(): Promise<GoldenHashes> {
  const out = {} as GoldenHashes;
  for (const transport of TRANSPORTS) {
    out[transport] = [];
    for (let seed = 1; seed <= GOLDEN.seeds; seed++) {
      const result = await runScenario(generateScenario(seed, { profile: GOLDEN.profile, transport, ops_max: GOLDEN.ops_max }));
      out[transport].push(result.trace_hash);
    }
  }
  return out;
}

/** The seeds whose hash differs, per transport, as `transport/seed`. */
export function goldenDifferences(expected: GoldenHashes, actual: GoldenHashes): string[] {
  const out: string[] = [];
  for (const transport of TRANSPORTS) {
    for (let i = 0; i < GOLDEN.seeds; i++) if (expected[transport]?.[i] !== actual[transport][i]) out.push(`${transport}/${i + 1}`);
  }
  return out;
}
