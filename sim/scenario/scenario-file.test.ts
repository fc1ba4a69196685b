import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { loadScenarioFile, parseScenario, resolveScenario, ScenarioError, scenarioTransports } from "./load.ts";

// "A bad file is refused with a message that names the bad field."

const dir = mkdtempSync(join(tmpdir(), "replaysim-scenario-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function writeScenario(content: unknown): string {
  const path = join(dir, `scenario-${++files}.json`);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

/** The error a call throws, or a failure if it throws nothing. */
function thrown(fn: () => unknown): ScenarioError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as ScenarioError).code).toBe("bad_scenario");
    return error as ScenarioError;
  }
  throw new Error("expected a ScenarioError, nothing was thrown");
}

const TWO_CLIENTS = { seed: 1, clients: [{ ops: 5 }, { ops: 5 }] };

const BAD: { name: string; content: unknown; field: string; says: RegExp }[] = [
  {
    name: "a script op of an unknown kind",
    content: { seed: 1, clients: [{ ops: 2, script: [{ kind: "session.upsert", title: "t" }, { kind: "message.delete", message_id: "m1" }] }] },
    field: "clients[0].script[1].kind",
    says: /message\.remove/,
  },
  {
    name: "a malformed message removal",
    content: { seed: 1, clients: [{ ops: 1, script: [{ kind: "message.remove" }] }] },
    field: "clients[0].script[0].message_id",
    says: /expected string/,
  },
  {
    name: "a part removal with an extra key",
    content: { seed: 1, clients: [{ ops: 1, script: [{ kind: "part.remove", part_id: "p1", message_id: "m1", cascade: true }] }] },
    field: "clients[0].script[0]",
    says: /"cascade"/,
  },
  {
    name: "a script whose length is not ops",
    content: { seed: 1, clients: [{ ops: 3, script: [{ kind: "part.remove", part_id: "p1", message_id: "m1" }] }] },
    field: "clients[0].ops",
    says: /must equal the length of clients\[0\]\.script \(1\)/,
  },
  { name: "a workload chance above 1", content: { seed: 1, clients: [{ ops: 1 }], workload: { mix: { text: 1, reasoning: 1, tool: 1, diff: 1, model: 1, snapshot: 2 } } }, field: "workload.mix.snapshot", says: /<=1/ },
  { name: "not JSON", content: '{ "seed": 1, "clients": [', field: "not valid JSON", says: /not valid JSON/ },
  { name: "an unknown top-level key", content: { ...TWO_CLIENTS, bogus: 1 }, field: "(root)", says: /Unrecognized key.*"bogus"/ },
  { name: "an unknown key in a section", content: { ...TWO_CLIENTS, faults: { http_dupe: 0.1 } }, field: "faults", says: /"http_dupe"/ },
  { name: "negative ops", content: { seed: 1, clients: [{ ops: -1 }] }, field: "clients[0].ops", says: />=0/ },
  { name: "ops not an integer", content: { seed: 1, clients: [{ ops: 5 }, { ops: 2.5 }] }, field: "clients[1].ops", says: /int/i },
  { name: "a probability above 1", content: { ...TWO_CLIENTS, faults: { http_duplicate: 1.5 } }, field: "faults.http_duplicate", says: /<=1/ },
  { name: "a range with lo > hi", content: { ...TWO_CLIENTS, faults: { http_delay_ms: [500, 100] } }, field: "faults.http_delay_ms", says: /must not exceed/ },
  { name: "a latency range with lo > hi", content: { ...TWO_CLIENTS, network: { latency_ms: [60, 5] } }, field: "network.latency_ms", says: /must not exceed/ },
  {
    name: "a timeline node that does not exist",
    content: { ...TWO_CLIENTS, timeline: [{ action: "crash", at_ms: 10, node: "client-4" }] },
    field: "timeline[0].node",
    says: /client-4 does not exist: the scenario has 2 clients/,
  },
  {
    name: "a revoke of a share no client uses",
    content: { ...TWO_CLIENTS, timeline: [{ action: "partition", at_ms: 0, node: "all", duration_ms: 5 }, { action: "revoke", at_ms: 10, share: 2 }] },
    field: "timeline[1].share",
    says: /share 2 is not used by any client/,
  },
  { name: "a share index out of range", content: { seed: 1, clients: [{ ops: 5 }, { ops: 5, share: 2 }] }, field: "clients[1].share", says: /out of range/ },
  { name: "an unknown action", content: { ...TWO_CLIENTS, timeline: [{ action: "explode", at_ms: 0 }] }, field: "timeline[0].action", says: /crash/ },
  { name: "a bad node name", content: { ...TWO_CLIENTS, timeline: [{ action: "stall", at_ms: 0, node: "server", duration_ms: 5 }] }, field: "timeline[0].node", says: /client-1/ },
  { name: "backoff_base_ms above backoff_max_ms", content: { ...TWO_CLIENTS, client: { backoff_base_ms: 500, backoff_max_ms: 100 } }, field: "client.backoff_base_ms", says: /must not exceed backoff_max_ms/ },
  { name: "no clients", content: { seed: 1, clients: [] }, field: "clients", says: />=1/ },
  { name: "a missing seed", content: { clients: [{ ops: 1 }] }, field: "seed", says: /number/ },
];

describe("a bad scenario file is refused, naming the bad field", () => {
  it.each(BAD)("$name → $field", ({ content, field, says }) => {
    const path = writeScenario(content);
    const error = thrown(() => loadScenarioFile(path));
    expect(error.message).toContain(path);
    expect(error.message).toContain(field);
    expect(error.message).toMatch(says);
  });

  it.each(BAD.filter((c) => typeof c.content !== "string"))("parseScenario refuses $name the same way", ({ content, field }) => {
    const error = thrown(() => parseScenario(content, "inline"));
    expect(error.message).toMatch(new RegExp(`^inline: `));
    expect(error.message).toContain(`${field}:`);
  });

  it("names a file it cannot read", () => {
    const path = join(dir, "missing.json");
    expect(thrown(() => loadScenarioFile(path)).message).toMatch(/missing\.json: cannot read \(ENOENT\)/);
  });

  it('refuses scope "read" on transport rest when resolving, naming the client', () => {
    const file = parseScenario({ seed: 1, transports: ["websocket", "rest"], clients: [{ ops: 5 }, { ops: 5, scope: "read" }] });
    expect(resolveScenario(file, "websocket").transport).toBe("websocket");
    const error = thrown(() => resolveScenario(file, "rest"));
    expect(error.message).toContain("clients[1].scope");
    expect(error.message).toMatch(/REST/);
    // The file's own transport counts too.
    const restFile = parseScenario({ seed: 1, transport: "rest", clients: [{ ops: 5, scope: "read" }] });
    expect(thrown(() => resolveScenario(restFile)).message).toContain("clients[0].scope");
  });

  it("accepts the smallest valid scenario and fills in the defaults", () => {
    const file = loadScenarioFile(writeScenario({ seed: 3, clients: [{ ops: 2 }] }));
    expect(file.clients).toEqual([{ ops: 2, scope: "write", secret: "valid" }]);
    expect(file.faults.http_duplicate).toBe(0);
    expect(file.timeline).toEqual([]);
    expect(file.client.backoff_base_ms).toBeLessThanOrEqual(file.client.backoff_max_ms);
    expect(scenarioTransports(file)).toEqual(["websocket"]);
    expect(resolveScenario(file, "http-batch").transport).toBe("http-batch");
  });
});

describe("the named scenarios", () => {
  const scenarios = fileURLToPath(new URL("../../scenarios/", import.meta.url));
  const named = readdirSync(scenarios)
    .filter((f) => f.endsWith(".json"))
    .sort();

  it("are there", () => {
    expect(named.length).toBeGreaterThanOrEqual(10);
  });

  it.each(named)("%s loads cleanly and resolves on every transport it names", (name) => {
    const file = loadScenarioFile(join(scenarios, name));
    expect(file.description.length).toBeGreaterThan(0);
    const transports = scenarioTransports(file);
    expect(transports.length).toBeGreaterThan(0);
    for (const transport of transports) expect(resolveScenario(file, transport).transport).toBe(transport);
  });
});
