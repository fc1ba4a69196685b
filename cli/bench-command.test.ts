import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import type { BenchReport, CellRow } from "../bench/report.ts";
import { browserAvailability, launchChromium } from "../reports/browser-harness.ts";
import type { Io } from "./command.ts";
import { main } from "./main.ts";
import { replaysim } from "./spawn-cli.ts";

const browser = browserAvailability();
if (browser.skipReason && !browser.required) console.warn(browser.skipReason);

function captured(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), tty: false };
}

describe("replaysim bench: bad input", () => {
  test.each([
    [["--transport", "websocket,carrier-pigeon"], /--transport: unknown transport 'carrier-pigeon'/],
    [["--batch", "0"], /--batch takes whole numbers from 1 to 1000, got '0'/],
    [["--batch", "1,,10"], /--batch expects a comma-separated list/],
    [["--batch", "1001"], /--batch takes whole numbers from 1 to 1000/],
    [["--in-flight", "9"], /--in-flight takes whole numbers from 1 to 8/],
    [["--storage", "disk"], /--storage: unknown storage 'disk'; known: memory, file/],
    [["--mode", "remote"], /--mode: unknown mode 'remote'; known: in-process, loopback/],
    [["--time", "soon"], /--time expects a positive duration/],
    [["--ops", "0"], /--ops must be at least 1/],
  ])("%j exits 2 naming the flag", async (args, message) => {
    const io = captured();
    expect(await main(["bench", ...args], io)).toBe(2);
    expect(io.stderr.join("\n")).toMatch(message);
    expect(io.stdout).toEqual([]);
  });
});

// One small real run of the bin, shared by the checks below: every transport at
// batch 1 and 100 in both modes, a few ops per sample to keep `npm test` fast.
describe("replaysim bench: a small matrix", () => {
  const out = mkdtempSync(join(tmpdir(), "replaysim-bench-"));
  let run: { code: number; stdout: string; stderr: string };
  let report: BenchReport;

  beforeAll(async () => {
    run = await replaysim("bench", "--batch", "1,100", "--in-flight", "1", "--storage", "memory", "--ops", "40", "--time", "10ms", "--json", "--out", out);
    report = JSON.parse(run.stdout) as BenchReport;
  }, 120_000);

  test("--json prints one object: a row per cell with ops_per_s > 0, the ceiling and the bare call rate", () => {
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const cells = report.rows.filter((r): r is CellRow => r.kind === "cell");
    for (const mode of ["in-process", "loopback"])
      for (const transport of ["websocket", "http-batch", "rest"])
        for (const batch of [1, 100]) {
          const cell = cells.find((c) => c.mode === mode && c.transport === transport && c.batch === batch);
          expect(cell, `${mode} ${transport} batch ${batch}`).toBeDefined();
          expect(cell!.error).toBeNull();
          expect(cell!.ops_per_s).toBeGreaterThan(0);
          expect(cell!.enqueue_ops_per_s).toBeGreaterThan(0);
          expect(cell!.request_bytes_per_op).toBeGreaterThan(0);
          // One op per call at batch 1 with one call in flight: nothing can overtake anything, so nothing is resent.
          if (batch === 1) expect(cell!.op_amplification).toBe(1);
          expect(cell!.calls).toBeGreaterThanOrEqual(Math.ceil(40 / batch));
          expect(cell!.ceiling_ratio).toBeGreaterThan(0);
          expect(cell!.latency_ms!.p99).toBeGreaterThanOrEqual(cell!.latency_ms!.p50);
          if (mode === "loopback") expect(cell!.server_cpu_us_per_op).toBeGreaterThan(0);
          else expect(cell!.server_cpu_us_per_op).toBeNull();
        }
    for (const batch of [1, 100]) expect(report.rows.some((r) => r.kind === "ceiling" && r.batch === batch && r.ops_per_s > 0)).toBe(true);
    expect(report.rows.filter((r) => r.kind === "capnweb-call" && r.ops_per_s > 0).map((r) => r.kind === "capnweb-call" && r.mode)).toEqual(["in-process", "loopback"]);
    expect(report.reference.synchronous).toBe("FULL");
    expect(report.goals.map((g) => g.name)).toHaveLength(2);
  });

  test("--out writes bench.json (the same report) and bench.html", () => {
    expect(JSON.parse(readFileSync(join(out, "bench.json"), "utf8")).rows).toEqual(report.rows);
    expect(existsSync(join(out, "bench.html"))).toBe(true);
  });

  test.skipIf(!browser.path && !browser.required)("bench.html draws a line per transport and the SQLite ceiling in each chart", async () => {
    if (!browser.path) throw new Error(`CI=true but ${browser.skipReason}`);
    const chromium = await launchChromium(browser.path);
    try {
      const page = await chromium.newPage({ viewport: { width: 1200, height: 900 } });
      // No network: every request but the page itself fails the test.
      const requests: string[] = [];
      page.on("request", (r) => requests.push(r.url()));
      await page.goto(`file://${join(out, "bench.html")}`);
      const charts = page.locator("svg.chart");
      expect(await charts.count()).toBe(2);
      for (let i = 0; i < 2; i++) {
        const chart = charts.nth(i);
        for (const transport of ["websocket", "http-batch", "rest"]) {
          const line = chart.locator(`path.series[data-name="${transport}"]`);
          expect(await line.count()).toBe(1);
          expect(await line.getAttribute("d")).toMatch(/^M[\d.]+,[\d.]+ L[\d.]+,[\d.]+$/);
        }
        expect(await chart.locator("path.ceiling").getAttribute("d")).toMatch(/^M[\d.]+,[\d.]+ L[\d.]+,[\d.]+$/);
      }
      const box = await charts.first().boundingBox();
      expect(box!.width).toBeGreaterThan(200);
      const png = await page.screenshot({ path: join(out, "bench.png"), fullPage: true });
      expect(png.byteLength).toBeGreaterThan(1000);
      expect(requests).toEqual([`file://${join(out, "bench.html")}`]);
    } finally {
      await chromium.close();
    }
  }, 60_000);
});
