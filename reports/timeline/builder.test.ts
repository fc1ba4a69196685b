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
  ["websocket", 1, "9a616a60e482299c429212436c71fe1e17dceb1bf05700b38ef14fb324fc0abe", "ee13a09b35f202deac0ffb223ff6ed6b20f97b0099b26ce019ea366d3b2ebbe9"], // 868 events, 322 arrows
  ["websocket", 3, "d86f8fd0b8e21dda0eb9b15e323c68a03f251b1e02f3a23666458182c0cde3ba", "ab524f48093ec87042300c61b7b77971016a0abfacf2b80d8d927223ea155034"], // 747 events, 173 arrows
  ["websocket", 7, "61526561f2a61f84eef0c9663e0d9225a92f257761e87c5e7162f0fffc7f855b", "ede17a99d349c8d7874156b1889f7eb426eff1ee93cdeca6e564526d4dad43d5"], // 445 events, 175 arrows
  ["websocket", 16, "4a6b31d77060418eff40f61c2ba556865becb1d1c1343f496058a6335f525758", "dcf27974aee8f4fcd70d3c9f6b35b5530e7df793eb829e308739f75408221468"], // 1090 events, 479 arrows
  ["http-batch", 1, "f1ece190cda18fc84cab3ef890356014f5af08a2f98304cd022f94ef080c6963", "993efb7bb61e82a3720f6a91b9f54ff2b1ecb48dd8047ab5625dbe4079897188"], // 627 events, 271 arrows
  ["http-batch", 3, "ddc50f2365f2db25153caece71ceb9f3c753c0e659ff328c71918a60bfb52300", "f1ff02903aff6044be47b358edbe342e027604ba596d73089aac45c57d518241"], // 621 events, 148 arrows
  ["http-batch", 7, "efb6f8d6561938b4257fac14bda0caa28ddfeee203a7f97bc6369261dc766576", "32c3df60436a6e42451a6d2bdbe228bf6ff2f0973eac701c884d914e2c9bfae9"], // 450 events, 260 arrows
  ["http-batch", 16, "06ef511ba2e317e9ad2e521c95ade32d7ae3958bacd4a758c16e1271f1ea844b", "14df85df9ec4448a0313cbbdb782aef04f66689782494ffd605723c5be08ad11"], // 598 events, 291 arrows
  ["rest", 1, "42a04bbbe9cdf3be23407d8b8f18e2cf956f67e34ee388769d9c3da276ff0910", "ed10269e431a611517009346f00d23918438ce515dc31041dedfefcf3f697edf"], // 626 events, 271 arrows
  ["rest", 3, "a4c51ac336bc5c2d1d5a6009463304b655c3eeb953056b54e747f8b4f23c32f3", "8f01d7087aa010dbceb3d3874813054ae6981a7fe3a7bdf5e1bbb07a05c244f7"], // 621 events, 148 arrows
  ["rest", 7, "a40d210b9c340877a1ac3df76555b34940b6ae0681f25505f707397a32bad4fc", "9a4ffab39edcec6b9c0058a3a68f0dffcad5b91c0f0c26da15ff3df240a3a122"], // 511 events, 273 arrows
  ["rest", 16, "701fd84739ef4f7a7b284c3c53baa009dfd445b4a7de4214d219adc6184f0c66", "2d0a96c8c0179fb257069b9b0881f97dfbed1611608cc0992b72ae2c5d19a567"], // 598 events, 291 arrows
];

describe("the timeline of a generated run", () => {
  test.each(PINNED)("%s seed %i: the model is the one pinned", async (transport, seed, trace_hash, model_sha256) => {
    const result = await runScenario(generateScenario(seed, { profile: "swarm", transport, ops_max: 40 }), { keepHistory: true });
    expect(result.trace_hash, "the run's history changed: its model must be pinned again").toBe(trace_hash);
    const model = buildTimeline(result.history!, transport, null, result.stats.sim_time_ms);
    expect(sha256(JSON.stringify(model))).toBe(model_sha256);
  });
});
