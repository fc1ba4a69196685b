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
  ["websocket", 1, "4912c58f4d1e05e16d1994635c9552b23323659bf4d59a6683416c2c6e82807b", "00adec60e26a61aac10e79ed56d51f6a27a9ccd6f2ed39018e3aef64f7031e24"], // 866 events, 319 arrows
  ["websocket", 3, "97b728a36a199fce24092921c22d645091c06e394d273a203f5bde4ecf4063e5", "9742158fc693cf8e3b74456aa5dab651f25fd5cf6fa17671e726d523adeb925e"], // 732 events, 170 arrows
  ["websocket", 7, "61526561f2a61f84eef0c9663e0d9225a92f257761e87c5e7162f0fffc7f855b", "ede17a99d349c8d7874156b1889f7eb426eff1ee93cdeca6e564526d4dad43d5"], // 445 events, 175 arrows
  ["websocket", 16, "6fa8d62f7f3dccd46ea23764bbad118ab5d26fc7ff0d14d079ae08e0eacc3155", "80bbfc38fad663f42c4e3b0ef3139f658cbb1dc4f4e0771f89c2fabd231fb0f5"], // 1115 events, 472 arrows
  ["http-batch", 1, "651bc4dd828b5330e40bd7136ce40ee74452876b69df4c07014c739e1a5196c7", "0983f8cb4e51e6d6ca8984776253f8afcd932a9ce9546afb20fb58a24510f13c"], // 631 events, 271 arrows
  ["http-batch", 3, "e9bdd15deafad38778420d853dd305d410395c8feb218c70a9f762fb4de1ff35", "432b567d998c20599d84553b6705e0e715b3380e88261a3a573741041d810c15"], // 617 events, 148 arrows
  ["http-batch", 7, "efb6f8d6561938b4257fac14bda0caa28ddfeee203a7f97bc6369261dc766576", "32c3df60436a6e42451a6d2bdbe228bf6ff2f0973eac701c884d914e2c9bfae9"], // 450 events, 260 arrows
  ["http-batch", 16, "848c038fa9af5efeb0bc9b3964e991fe5074375e80c17705ce4b88422801ea7b", "5cd025419229f62134889217908ca7757012a46ca573ffae0e82715de189b9bb"], // 693 events, 317 arrows
  ["rest", 1, "88b4b1bb8b4996eedf9de577e204fb5f443bc7c9850087a5a71479a1846cb504", "8e5d029393d96af04a7c892ff2e6c201d5fcd6628d7f8832da4d584b282c6410"], // 630 events, 271 arrows
  ["rest", 3, "3129979b9f891a160b5a1a3e55772df442eb411615fa540657ab512a67d6a860", "9ad788e5914497a6356dda465a2fa065f07609cc2a8731d10ed3688961f86143"], // 617 events, 148 arrows
  ["rest", 7, "a40d210b9c340877a1ac3df76555b34940b6ae0681f25505f707397a32bad4fc", "9a4ffab39edcec6b9c0058a3a68f0dffcad5b91c0f0c26da15ff3df240a3a122"], // 511 events, 273 arrows
  ["rest", 16, "15d537f1a1ff367285dfc65b6ab4169d9de276bc4355da8788df5ab3570f4b59", "9cfdd92ba10769577a60d75a180df52224503942343e98406501654a2a55f445"], // 693 events, 317 arrows
];

describe("the timeline of a generated run", () => {
  test.each(PINNED)("%s seed %i: the model is the one pinned", async (transport, seed, trace_hash, model_sha256) => {
    const result = await runScenario(generateScenario(seed, { profile: "swarm", transport, ops_max: 40 }), { keepHistory: true });
    expect(result.trace_hash, "the run's history changed: its model must be pinned again").toBe(trace_hash);
    const model = buildTimeline(result.history!, transport, null, result.stats.sim_time_ms);
    expect(sha256(JSON.stringify(model))).toBe(model_sha256);
  });
});
