import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { replaysim } from "./spawn-cli.ts";

const dir = () => mkdtempSync(join(tmpdir(), "replaysim-profile-"));

interface Profile {
  nodes: { id: number; callFrame: { url: string; functionName: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

function readProfile(path: string): Profile {
  const profile = JSON.parse(readFileSync(path, "utf8")) as Profile;
  expect(Array.isArray(profile.nodes)).toBe(true);
  expect(profile.nodes.length).toBeGreaterThan(1);
  expect(profile.samples.length).toBeGreaterThan(0);
  expect(profile.timeDeltas.length).toBe(profile.samples.length);
  // Every sample names a node of the tree.
  const ids = new Set(profile.nodes.map((n) => n.id));
  expect(profile.samples.every((s) => ids.has(s))).toBe(true);
  return profile;
}

describe("--profile-cpu FILE", () => {
  test("explore writes a .cpuprofile of its worker, its frames mapped to the TypeScript sources", async () => {
    const d = dir();
    const file = join(d, "deep/er/explore.cpuprofile");
    const r = await replaysim("explore", "--seeds", "3", "--workers", "1", "--profile", "calm", "--ops-max", "40", "--json", "--out", join(d, "out"), "--profile-cpu", file);
    expect(r.code).toBe(0);
    // --json stays clean: one object on stdout, nothing on stderr.
    expect(JSON.parse(r.stdout).seeds_run).toBe(3);
    expect(r.stderr).toBe("");
    const urls = new Set(readProfile(file).nodes.map((n) => n.callFrame.url));
    const sources = [...urls].filter((u) => u.endsWith(".ts"));
    expect(sources.some((u) => u.includes("/sim/"))).toBe(true);
  }, 60_000);

  test("run takes it too", async () => {
    const file = join(dir(), "run.cpuprofile");
    const r = await replaysim("run", "--seed", "3", "--profile", "calm", "--profile-cpu", file);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`cpu profile: ${file}`);
    readProfile(file);
  }, 60_000);

  test("a missing value or a directory exits 2 naming the flag", async () => {
    const missing = await replaysim("explore", "--seeds", "1", "--profile-cpu");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--profile-cpu needs a value");
    const folder = await replaysim("run", "--seed", "1", "--profile-cpu", dir());
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/--profile-cpu: '.*' is a directory/);
  }, 60_000);
});
