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
  ["websocket", 1, "70ed76fe140907fd3069b4dbcc1484fe8459b93744314a931da97722c464b7c4", "5fb70a144af011c8c692d721543339a3adda01eedbc048800e4846c264ab3de8"], // 863 events, 320 arrows
  ["websocket", 3, "8de72b0a486f28b03dde0adb14bbc2713ef9e89a448d113e77f2ab02f17eeea8", "624d1fc29605e8ab190805191ac64f5402495f9ba1bead0a5af8854d62b6091c"], // 732 events, 169 arrows
  ["websocket", 7, "61526561f2a61f84eef0c9663e0d9225a92f257761e87c5e7162f0fffc7f855b", "ede17a99d349c8d7874156b1889f7eb426eff1ee93cdeca6e564526d4dad43d5"], // 445 events, 175 arrows
  ["websocket", 16, "4a6b31d77060418eff40f61c2ba556865becb1d1c1343f496058a6335f525758", "dcf27974aee8f4fcd70d3c9f6b35b5530e7df793eb829e308739f75408221468"], // 1090 events, 479 arrows
  ["http-batch", 1, "f1ece190cda18fc84cab3ef890356014f5af08a2f98304cd022f94ef080c6963", "993efb7bb61e82a3720f6a91b9f54ff2b1ecb48dd8047ab5625dbe4079897188"], // 627 events, 271 arrows
  ["http-batch", 3, "e9bdd15deafad38778420d853dd305d410395c8feb218c70a9f762fb4de1ff35", "432b567d998c20599d84553b6705e0e715b3380e88261a3a573741041d810c15"], // 617 events, 148 arrows
  ["http-batch", 7, "efb6f8d6561938b4257fac14bda0caa28ddfeee203a7f97bc6369261dc766576", "32c3df60436a6e42451a6d2bdbe228bf6ff2f0973eac701c884d914e2c9bfae9"], // 450 events, 260 arrows
  ["http-batch", 16, "06ef511ba2e317e9ad2e521c95ade32d7ae3958bacd4a758c16e1271f1ea844b", "14df85df9ec4448a0313cbbdb782aef04f66689782494ffd605723c5be08ad11"], // 598 events, 291 arrows
  ["rest", 1, "42a04bbbe9cdf3be23407d8b8f18e2cf956f67e34ee388769d9c3da276ff0910", "ed10269e431a611517009346f00d23918438ce515dc31041dedfefcf3f697edf"], // 626 events, 271 arrows
  ["rest", 3, "3129979b9f891a160b5a1a3e55772df442eb411615fa540657ab512a67d6a860", "9ad788e5914497a6356dda465a2fa065f07609cc2a8731d10ed3688961f86143"], // 617 events, 148 arrows
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
