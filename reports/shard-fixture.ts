import { join } from "node:path";
import { explore, type ExploreResult } from "../sim/explore/explore.ts";
import { writeExploreOutputs } from "./explore-files.ts";
import type { ExploreFlags } from "./explore-summary.ts";

// For tests: the --out directories of a small sharded exploration that finds
// failures (no-dedupe over HTTP batch), as `explore --shard k/n` writes them,
// with shrinking kept short so a test takes seconds.

export const SHARD_FLAGS: ExploreFlags = { from: 9, seeds: 4, time_ms: null, transport: "http-batch", profile: "swarm", mutant: "no-dedupe", variant: "reference", ops_max: 80, shards: 2, run_timeout_ms: 10_000, check_determinism: false, fail_fast: false, shrink: true };

export async function writeShard(dir: string, k: number, flags: ExploreFlags = SHARD_FLAGS): Promise<ExploreResult> {
  const result = await explore({
    from: flags.from,
    seeds: flags.seeds ?? 1,
    shard: { k, n: flags.shards },
    transport: flags.transport as "http-batch",
    profile: flags.profile as "swarm",
    ...(flags.mutant ? { mutant: flags.mutant } : {}),
    ops_max: flags.ops_max ?? 20,
    workers: 1,
    shrink_runs_max: 30,
    timelines: true,
  });
  writeExploreOutputs(dir, result, { title: `replaysim explore ${flags.profile} shard ${k}/${flags.shards}`, flags, workers: 1, shard: `${k}/${flags.shards}` });
  return result;
}

/** Writes shard k of n into root/shard-k for every k; returns the directories. */
export async function writeShards(root: string, flags: ExploreFlags = SHARD_FLAGS): Promise<string[]> {
  const dirs: string[] = [];
  for (let k = 1; k <= flags.shards; k++) {
    const dir = join(root, `shard-${k}`);
    await writeShard(dir, k, flags);
    dirs.push(dir);
  }
  return dirs;
}
