import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { main } from "../../cli/main.ts";
import { GOLDEN, GOLDEN_PATH, type GoldenFile } from "../../scenarios/golden/trace-hashes.ts";
import { runScenario } from "../run-scenario.ts";
import { generateScenario } from "../scenario/generate.ts";
import { TRANSPORTS } from "../scenario/schema.ts";

// Your implementation through the public interface (docs/your-implementation.md).

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(args, { out: (line: string) => void (out += `${line}\n`), err: (line: string) => void (err += `${line}\n`), tty: false });
  return { code, out, err };
}

test("the reference client, server and viewer loaded as one module (--impl) give the golden trace hashes", async () => {
  const golden = (JSON.parse(readFileSync(GOLDEN_PATH, "utf8")) as GoldenFile).hashes;
  for (const transport of TRANSPORTS) {
    for (const seed of [1, 2]) {
      const scenario = generateScenario(seed, { profile: GOLDEN.profile, transport, ops_max: GOLDEN.ops_max, impl: { client: "examples/reference", server: "examples/reference", viewer: "examples/reference" } });
      const result = await runScenario(scenario);
      expect(`${transport}/${seed} ${result.trace_hash}`).toBe(`${transport}/${seed} ${golden[transport][seed - 1]}`);
    }
  }
}, 60_000);

test("a module that exports no client is bad input, named, exit 2", async () => {
  const r = await cli("run", "--seed", "1", "--client", "sim/impl/fixtures/no-client.ts");
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/exports no 'client' factory \(it exports: name\)/);
});

test("a client that lacks methods is bad input naming each one, exit 2", async () => {
  const r = await cli("run", "--seed", "1", "--client", "sim/impl/fixtures/lacks-methods.ts");
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/lacks bindShare, start, stop, drained, status/);
});

test("a path that is not there, a server without a store, and a viewer that is a client are bad input", async () => {
  expect((await cli("run", "--seed", "1", "--client", "examples/nothing-here")).err).toMatch(/no such file or folder/);
  const storeless = await cli("run", "--seed", "1", "--server", "sim/impl/fixtures/server-without-store.ts");
  expect(storeless.code).toBe(2);
  expect(storeless.err).toMatch(/lacks store/);
  const clientAsServer = await cli("run", "--seed", "1", "--server", "examples/reference-client");
  expect(clientAsServer.err).toMatch(/exports no 'server' factory \(it exports: client\)/);
  const viewer = await cli("run", "--seed", "1", "--viewer", "examples/seed-client");
  expect(viewer.code).toBe(2);
  expect(viewer.err).toMatch(/exports no 'viewer' factory/);
});

test("a seed design's server as a module gives the built-in variant's trace hashes", async () => {
  for (const seed of [1, 2, 3]) {
    const mine = await runScenario(generateScenario(seed, { profile: "swarm", ops_max: 40, impl: { server: "examples/seed-plan-server" } }));
    const variant = await runScenario(generateScenario(seed, { profile: "swarm", ops_max: 40, variant: "seed-plan" }));
    expect(mine.trace_hash).toBe(variant.trace_hash);
  }
}, 60_000);

test("a module that reads Math.random fails --check-determinism, and the message says what to look for", async () => {
  const r = await cli("run", "--seed", "2", "--client", "sim/impl/fixtures/random-ids.ts", "--check-determinism");
  expect(r.code).toBe(1);
  expect(r.out + r.err).toMatch(/determinism/);
  expect(r.out + r.err).toMatch(/Math\.random/);
}, 60_000);

test("explore --client ends with the claims table, in JSON too, and writes claims.json", async () => {
  const out = mkdtempSync(join(tmpdir(), "replaysim-claims-"));
  try {
    const r = await cli("explore", "--seeds", "6", "--client", "examples/seed-client", "--json", "--no-shrink", "--workers", "2", "--out", out);
    expect(r.code).toBe(1);
    const summary = JSON.parse(r.out) as { claims: { id: string; status: string; broken_by: { repro: string } | null }[] };
    const broken = summary.claims.filter((c) => c.status === "broken");
    expect(broken.map((c) => c.id)).toContain("1");
    expect(broken[0]!.broken_by!.repro).toMatch(/^replaysim run --scenario /);
    // The seed client keeps no sync state where the world reads it: the claims judged from that were not exercised.
    expect(summary.claims.find((c) => c.id === "9")?.status).toBe("not exercised");
    expect(summary.claims.find((c) => c.id === "26")?.status).toBe("held");
    expect(JSON.parse(readFileSync(join(out, "claims.json"), "utf8"))).toEqual(summary.claims);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 60_000);
