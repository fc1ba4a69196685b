import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import type { Io } from "../../cli/command.ts";
import { main } from "../../cli/main.ts";
import { liveChildren } from "../processes/children.ts";

// `replaysim real --server-cmd CMD`: the reference server, started as anyone's
// server would be (`replaysim serve --port {port} --db {db}`), run as a black
// box. The world drives it through the fault proxy with the reference clients
// and viewers, SIGKILLs its process group, skips what needs its insides, and
// reads the final shares over the protocol.

const dirs: string[] = [];
afterAll(() => {
  expect(liveChildren()).toBe(0);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const SERVE = "node cli/replaysim.js serve --port {port} --db {db}";

function capture(): { io: Io; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l), tty: false }, out, err };
}

/** Processes whose command line names `text` (the run's folder: the server's --db). */
function processesNaming(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      const state = readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]?.[0];
      if (cmdline.includes(text) && state !== "Z") pids.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  return pids;
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(true));
  });

/** The ports the server said it listened on, from its log (`replaysim serve` prints "listening on URL"). */
const portsIn = (log: string) => [...log.matchAll(/listening on http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));

describe.concurrent("replaysim real --server-cmd", () => {
  test.each([
    ["over the protocol (GET /log and /snapshot)", []],
    ["with --db-reader", ["--db-reader", "real/world/reference-db-reader.ts"]],
  ])("a small scenario with what needs the server's insides, final shares read %s: the world kills and restarts the black box, skips the rest (recorded as skipped), and the reference passes; nothing is left running", async (_how, reader) => {
    const dir = mkdtempSync(join(tmpdir(), "replaysim-server-cmd-"));
    dirs.push(dir);
    const file = join(dir, "black-box.json");
    writeFileSync(
      file,
      JSON.stringify({
        seed: 11,
        transports: ["rest"],
        clients: [{ ops: 40 }, { ops: 20, share: 0 }],
        client: { batch_size: 5 },
        viewers: [{ share: 0 }],
        workload: { chunk_gap_ms: 300, think_ms: [200, 400] },
        timeline: [
          { action: "crash_at", node: "server", point: "server.after_commit_before_reply", nth: 2 },
          { action: "disk_full", at_ms: 1000, node: "server", duration_ms: 2000 },
          { action: "revoke", at_ms: 2000, share: 0, rotate_secret: true },
          { action: "forbidden", at_ms: 2500, attempt: "reader_append" },
          { action: "power_loss", at_ms: 3500, node: "server" },
          { action: "crash", at_ms: 4000, node: "server", restart_after_ms: 1000 },
        ],
      }),
    );
    const keep = join(dir, "keep");
    const out = join(dir, "out");
    const { io, out: lines, err } = capture();
    const code = await main(["real", "--scenario", file, "--server-cmd", SERVE, "--keep", keep, "--json", "--out", out, ...reader], io);
    expect(lines.length, err.join("\n")).toBe(1);
    const summary = JSON.parse(lines.join("\n"));
    const [run] = summary.runs;
    expect(run.violations).toEqual([]);
    expect(code).toBe(0);
    expect(run.verdict).toBe("pass");
    expect(run.outcome).toBe("drained");
    expect(summary.server_cmd).toBe(SERVE);
    // The timed crash is the harness's SIGKILL to the command's group, and the same line comes back on the same port and file.
    expect(run.stats.crashes).toBe(1);
    expect(run.stats.restarts).toBe(1);
    expect(run.stats.applied).toBe(run.stats.ops);
    expect(run.final.shares[0].cursor).toBe(run.stats.applied);
    // What needs the server's insides is not exercised, and says so: counted, and in the history.
    expect(run.stats.skipped_by_kind).toEqual({ crash_at: 1, disk_full: 1, revoke: 1, forbidden: 1, power_loss: 1 });
    expect(run.stats.faults_by_kind.disk_full ?? 0).toBe(0);
    expect(run.stats.faults_by_kind.revoke ?? 0).toBe(0);
    const timeline = readFileSync(join(out, "timelines", readdirSync(join(out, "timelines"))[0]!), "utf8");
    expect(timeline).toContain("replaysim timeline: real");
    // The claims table: the adversary's claim was never put to a black box.
    const claims = summary.claims as { id: string; status: string }[];
    expect(claims.find((c) => c.id === "1")?.status).toBe("held");
    expect(claims.find((c) => c.id === "14")?.status).toBe("not exercised");
    expect(JSON.parse(readFileSync(join(out, "summary.json"), "utf8")).claims).toEqual(claims);
    // Gone: no process names the run's files, and every port the server listened on refuses.
    const log = readFileSync(join(keep, "rest", "server-cmd.log"), "utf8");
    const ports = portsIn(log);
    expect(ports.length).toBe(2);
    expect(new Set(ports).size).toBe(1);
    expect(processesNaming(keep)).toEqual([]);
    expect(await refused(ports[0]!)).toBe(true);
    expect(existsSync(join(keep, "rest", "server.db"))).toBe(true);
  }, 30_000);

  test("a generated calm seed on REST, a line per seed and the claims table at the end", async () => {
    const { io, out } = capture();
    const code = await main(["real", "--seeds", "1", "--from", "3", "--profile", "calm", "--transport", "rest", "--server-cmd", SERVE], io);
    const text = out.join("\n");
    expect(text).toMatch(/^✓ seed 3 \(real, rest\): pass/m);
    expect(text).toMatch(/claims \(docs\/claims\.md\) for --server-cmd .*: \d+ held, 0 broken/);
    expect(code).toBe(0);
  }, 30_000);

  test("a command that never answers: the run says why, with its output, and nothing is left", async () => {
    const { io, out } = capture();
    const code = await main(["real", "--seeds", "3", "--transport", "rest", "--server-cmd", "echo no server on {port}; exit 3"], io);
    const text = out.join("\n");
    expect(code).toBe(1);
    expect(text).toMatch(/✗ seed 1 \(real, rest\): error: the server command ended before it answered on port \d+ \(exit 3\)/);
    expect(text).toMatch(/no server on \d+/);
    // It never came up: the next seeds are not tried.
    expect(text).not.toMatch(/seed 2/);
  }, 20_000);

  test.each([
    [["--seed", "1", "--server-cmd", "node my-server.js --db {db}"], /--server-cmd must contain \{port\}/],
    [["--seed", "1", "--db-reader", "reader.ts"], /--db-reader MODULE reads a --server-cmd server's database: give --server-cmd too/],
    [["--seed", "1", "--server-cmd", "x {port}", "--db-reader", "no-such-reader.ts"], /--db-reader no-such-reader.ts: no such file/],
    [["--seed", "1", "--seeds", "2"], /give one of --seed S, --seeds N or --scenario FILE, not --seed S and --seeds N/],
    [["--scenario", "x.json", "--from", "4"], /--from S goes with --seeds N/],
  ])("bad input %j: exit 2, said plainly", async (args, message) => {
    const { io, err } = capture();
    expect(await main(["real", ...args], io)).toBe(2);
    expect(err.join("\n")).toMatch(message);
  });
});
