import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { runScenario } from "../../sim/run-scenario.ts";
import { generateScenario } from "../../sim/scenario/generate.ts";
import type { TransportName } from "../../sim/scenario/schema.ts";
import { buildTimeline } from "../timeline-model.ts";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

// The diagram's data for a few generated runs, pinned as the builder drew it
// before it was split into ./timeline/ (one 362-line switch then): the split
// must draw every history exactly as it did. Each run's trace hash is pinned
// too, so that a run whose history changed on purpose says so, rather than
// passing off a new history's model as a drawing change. Seeds: 1 has
// duplicate requests, 3 a viewer restarting and partitions, 7 partitions, 16
// a black-holed WebSocket link.
const PINNED: [transport: TransportName, seed: number, trace_hash: string, model_sha256: string][] = [
  ["websocket", 1, "9048b19993c04fcb72597bb4e94b263a9295453e33999602a5b4116d9e8dd48a", "752b6293ce5964571290dbcb096581d6983d931d6eb4d857dd312853f9d7b5b1"], // 3510 events, 1181 arrows
  ["websocket", 3, "2b6cdcdd2ddd281cd16f6e6405c0a1ac6f93d140e441af29702880f27249c2c8", "f467cc5826456ebd2dc3d6afffcb35c509e6283c8c7d4f26a4cea94e0d362311"], // 743 events, 171 arrows
  ["websocket", 7, "61526561f2a61f84eef0c9663e0d9225a92f257761e87c5e7162f0fffc7f855b", "ede17a99d349c8d7874156b1889f7eb426eff1ee93cdeca6e564526d4dad43d5"], // 445 events, 175 arrows
  ["websocket", 16, "edd8bb5a9bd4803a9dbf6413e2fb742a320dce7c339dde106d3bacd2f7cb0b92", "6db5788ffdacbe3bb4bec415545abeca46164e3c9ef3eb03379e818c6c366f9a"], // 2149 events, 806 arrows
  ["http-batch", 1, "a9014cd42135da6d448eb80532f7716c4a780053b9da548396758ccca405a426", "ad95ddcbcd8c8375fbe1d8063e3c4593d6021821cce0c24c954da822a33644b6"], // 3091 events, 1390 arrows
  ["http-batch", 3, "f80fbfe7c82b2bff11554f2f9ac39cadb1b3f3ef31ee5a7c187c6c7582439d81", "c1664538ff7850407d72d9cb21911765cae06b7f81a32afb750618d78fec0d36"], // 625 events, 148 arrows
  ["http-batch", 7, "efb6f8d6561938b4257fac14bda0caa28ddfeee203a7f97bc6369261dc766576", "32c3df60436a6e42451a6d2bdbe228bf6ff2f0973eac701c884d914e2c9bfae9"], // 450 events, 260 arrows
  ["http-batch", 16, "2705415fc9ed1fd5fa034f4592b9e82c8ba7442bd6503059ba1d569e2bcf435e", "8ad973ed15f13c3276e0f55fc33cfc2fd2f53291b697ad6ec9f75bbc55bc0126"], // 1819 events, 834 arrows
  ["rest", 1, "de8b562feaf6b1972f8f644db5c9d05bfb3bb14b20fcb399f3e92125ec4332bb", "33c96368826f96efbd55dc1af84c7cbbc5b11bf88a5cc59eca356c95b32baeb4"], // 1049 events, 480 arrows
  ["rest", 3, "349f8dbc0e05815daa7a368b4cd18e43dcb2774a093171639389f8d20229a53d", "7079c7d5d3a34606c2b3d4f43e9888a0583a8680007e5951995d224db475a657"], // 625 events, 148 arrows
  ["rest", 7, "a40d210b9c340877a1ac3df76555b34940b6ae0681f25505f707397a32bad4fc", "9a4ffab39edcec6b9c0058a3a68f0dffcad5b91c0f0c26da15ff3df240a3a122"], // 511 events, 273 arrows
  ["rest", 16, "5ba806a857634d28d22d9f7e2c25a2dc8f3213892a6fc25c869eeaa733d31fef", "4f7d042999b36605c5ed1746420c4edb011c433b41bb3e0f46f16d1a1fc74277"], // 1368 events, 639 arrows
];

describe("the timeline of a generated run", () => {
  test.each(PINNED)("%s seed %i: the model is the one pinned", async (transport, seed, trace_hash, model_sha256) => {
    const result = await runScenario(generateScenario(seed, { profile: "swarm", transport, ops_max: 40 }), { keepHistory: true });
    expect(result.trace_hash, "the run's history changed: its model must be pinned again").toBe(trace_hash);
    const model = buildTimeline(result.history!, transport, null, result.stats.sim_time_ms);
    expect(sha256(JSON.stringify(model))).toBe(model_sha256);
  });
});
