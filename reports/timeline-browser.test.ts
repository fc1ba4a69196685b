import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { main } from "../cli/main.ts";
import { runA2A } from "../sim/a2a/run-a2a.ts";
import { runScenario } from "../sim/run-scenario.ts";
import { loadScenarioFile, resolveScenario } from "../sim/scenario/load.ts";
import { browserAvailability, launchChromium } from "./browser-harness.ts";
import { writeShards } from "./shard-fixture.ts";
import { timelineHtml } from "./timeline.ts";

// The timeline page and the merged report in a real browser (Debian's
// chromium through playwright-core). Locally a missing browser skips these
// with a message; under CI=true it fails them.

const browser = browserAvailability();
if (browser.skipReason && !browser.required) console.warn(browser.skipReason);
const inBrowser = test.skipIf(!browser.path && !browser.required);

const dir = mkdtempSync(join(tmpdir(), "replaysim-timeline-"));
let chromium: Browser | undefined;

beforeAll(async () => {
  if (!browser.path) return;
  chromium = await launchChromium(browser.path);
}, 60_000);
afterAll(async () => {
  await chromium?.close();
});

/** Runs a pinned regression and writes its timeline page; returns the file's URL. */
async function timelineOf(file: string): Promise<string> {
  const path = `scenarios/regressions/mutants/${file}.json`;
  const scenario = resolveScenario(loadScenarioFile(new URL(`../${path}`, import.meta.url).pathname));
  const result = await runScenario(scenario, { keepHistory: true });
  const out = join(dir, `${file}.html`);
  writeFileSync(out, timelineHtml(result, `replaysim run --scenario ${path}`));
  return pathToFileURL(out).href;
}

async function open(url: string): Promise<Page> {
  if (!chromium) throw new Error(`CI=true but ${browser.skipReason}`);
  const page = await chromium.newPage({ viewport: { width: 1300, height: 800 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url);
  (page as Page & { errors: string[] }).errors = errors;
  return page;
}

const texts = (page: Page, selector: string) => page.locator(selector).allTextContents();
const transforms = (page: Page) => page.$$eval("#rows > g", (gs) => gs.map((g) => `${g.getAttribute("display") ?? ""}${g.getAttribute("transform")}`));

describe("the timeline of no-dedupe's pinned regression", () => {
  let url: string;
  beforeAll(async () => {
    url = await timelineOf("no-dedupe");
  });

  inBrowser("has a lane per node, request and response arrows, and the witness highlighted; the link scrolls to it", async () => {
    const page = await open(url);
    expect(await texts(page, "#lanehead .lh-name")).toEqual(["server", "client-1"]);
    expect(await page.locator("#lanes line").count()).toBe(2);
    expect(await page.locator("#arrows g.a-request").count()).toBeGreaterThan(8);
    expect(await page.locator("#arrows g.a-response").count()).toBeGreaterThan(8);
    // Seq 8 was applied twice, at cursors 8 and 9: both applies and both requests that carried it are red.
    const witness = await texts(page, "#rows tspan.w");
    expect(witness).toEqual(expect.arrayContaining(["enq #8", "apply client-1 #8 → cur 8", "apply client-1 #8 → cur 9"]));
    expect(witness.some((t) => t.includes("#7"))).toBe(false);
    expect(await texts(page, "#arrows g.a-request.wit text")).toEqual(["#8", "#8"]);
    expect(await page.locator(".violation h2").textContent()).toMatch(/exactly-once \/ duplicated/);
    expect(await page.locator("#repro").textContent()).toBe("replaysim run --scenario scenarios/regressions/mutants/no-dedupe.json");

    await page.setViewportSize({ width: 1300, height: 300 });
    expect(await page.evaluate("window.scrollY")).toBe(0);
    await page.click("#goto-witness");
    expect(await page.evaluate("window.scrollY")).toBeGreaterThan(0);
    expect(await page.locator("#rows g.wit").first().isVisible()).toBe(true);
    const box = await page.locator("#rows g.wit").first().boundingBox();
    expect(box!.y).toBeGreaterThanOrEqual(0);
    expect(box!.y).toBeLessThan(300);
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
    await page.close();
  }, 30_000);

  inBrowser("search finds a seq, an op id and a cursor", async () => {
    const page = await open(url);
    await page.fill("#search", "8");
    await page.press("#search", "Enter");
    const bySeq = await texts(page, "#rows g.hit tspan");
    expect(bySeq).toEqual(expect.arrayContaining(["enq #8", "apply client-1 #8 → cur 8", "apply client-1 #8 → cur 9", "ack ≤8 cur 8"]));
    expect(bySeq).not.toContain("enq #7");
    expect(bySeq).not.toContain("apply client-1 #7 → cur 7");
    expect(await page.locator("#hits").textContent()).toMatch(/^1 of \d+$/);
    const hits = await page.locator(".hit").count();
    // The op id of seq 8 finds the same events.
    await page.fill("#search", "op_client-1_1_9");
    await page.press("#search", "Enter");
    expect(await page.locator(".hit").count()).toBe(hits);
    await page.fill("#search", "cursor 9");
    await page.press("#search", "Enter");
    expect(await texts(page, "#rows g.hit tspan")).toEqual(["apply client-1 #8 → cur 9"]);
    await page.fill("#search", "nothing-like-this");
    await page.press("#search", "Enter");
    expect(await page.locator("#hits").textContent()).toBe("no match");
    await page.close();
  }, 30_000);

  inBrowser("the node filter hides a lane with its rows and arrows; idle time expands and collapses back to the drawn layout", async () => {
    const page = await open(url);
    const drawn = await transforms(page);
    const height = Number(await page.getAttribute("#diagram", "height"));

    await page.uncheck('#nodes input[data-lane="1"]');
    expect(await page.locator('#rows g[data-l="1"]:visible').count()).toBe(0);
    expect(await page.locator("#arrows g:visible").count()).toBe(0);
    expect(await page.locator('#rows g[data-l="0"]:visible').count()).toBeGreaterThan(5);
    expect(await page.locator("#lanehead g.lh:visible").count()).toBe(1);
    expect(Number(await page.getAttribute("#diagram", "height"))).toBeLessThan(height);
    await page.check('#nodes input[data-lane="1"]');
    expect(await transforms(page)).toEqual(drawn);

    // 11 s pass with nothing happening: collapsed to a break, expanded to linear time.
    expect(await page.locator("#gaps .brk").count()).toBe(1);
    await page.uncheck("#collapse");
    expect(await page.locator("#gaps .brk").count()).toBe(0);
    expect(Number(await page.getAttribute("#diagram", "height"))).toBeGreaterThan(height + 400);
    await page.check("#collapse");
    // The page's script lays rows out exactly as the server drew them.
    expect(await transforms(page)).toEqual(drawn);
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
    await page.close();
  }, 30_000);

  inBrowser("a screenshot is not blank: ink, and red where the witness is", async () => {
    const page = await open(url);
    const png = await page.screenshot({ fullPage: true });
    writeFileSync(join(dir, "no-dedupe.png"), png);
    // Decode the PNG in a blank page's canvas and count what is not white.
    const blank = await chromium!.newPage();
    // (The browser's globals are not in this project's TypeScript lib, so the page code goes as a string.)
    const ink = (await blank.evaluate(`(async () => {
      const img = new Image();
      img.src = "data:image/png;base64,${png.toString("base64")}";
      await img.decode();
      const canvas = document.createElement("canvas");
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext("2d");
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, 0, img.width, img.height).data;
      let dark = 0, red = 0;
      for (let i = 0; i < d.length; i += 4) {
        const r = d[i], g = d[i + 1], b = d[i + 2];
        if (r + g + b < 600) dark++;
        if (r > 180 && g < 90 && b < 110) red++;
      }
      return { pixels: d.length / 4, dark, red };
    })()`)) as { pixels: number; dark: number; red: number };
    expect(ink.dark / ink.pixels).toBeGreaterThan(0.01);
    expect(ink.red).toBeGreaterThan(200);
    await blank.close();
    await page.close();
  }, 30_000);
});

describe("crash and drop marks", () => {
  inBrowser("non-atomic-apply over WebSocket: both crashes, the downtime, and the frames lost with their connection", async () => {
    const page = await open(await timelineOf("non-atomic-apply"));
    expect(await texts(page, "#lanehead .lh-name")).toEqual(["server", "client-1", "client-2"]);
    const crashes = await texts(page, "#rows g.g-crash tspan.t-bad");
    expect(crashes).toEqual(expect.arrayContaining(["crash: client.after_enqueue_commit", "crash: server.before_commit"]));
    expect(await page.locator("#rows g.g-crash path.gl-crash").count()).toBe(2);
    expect(await page.locator("#bands rect.b-down").count()).toBe(2);
    // A lost segment stops short of its receiver, at a cross.
    const lost = page.locator("#arrows g.a-frame.lost");
    expect(await lost.count()).toBeGreaterThan(0);
    const d = (await lost.first().locator("path").getAttribute("d"))!;
    const [x1, , x2] = d.match(/-?[\d.]+/g)!.map(Number);
    const lanes = await page.$$eval("#lanes line", (ls) => ls.map((l) => Number(l.getAttribute("x1"))));
    expect(lanes).not.toContain(x2);
    expect(Math.min(...lanes)).toBeLessThan(x2!);
    expect(x2).not.toBe(x1);
    expect(await page.evaluate(`getComputedStyle(document.querySelector("#arrows g.a-frame.lost path")).markerEnd`)).toBe('url("#m-lost")');
    await page.close();
  }, 30_000);

  inBrowser("a dropped HTTP request ends in a cross, and the client sees no answer", async () => {
    const page = await open(await timelineOf("seed-original-dropped-request"));
    expect(await page.locator("#arrows g.a-request.lost").count()).toBe(1);
    expect(await texts(page, "#rows tspan.t-fault")).toContain("no answer");
    await page.close();
  }, 30_000);
});

describe("an A2A run's timeline", () => {
  inBrowser("the SDK's duplicated follow-up: sends, retries, stream items and the server's events, with the A2A header", async () => {
    const path = "scenarios/regressions/a2a/sdk-event-after-terminal.json";
    const scenario = resolveScenario(loadScenarioFile(new URL(`../${path}`, import.meta.url).pathname));
    const result = await runA2A(scenario, { keepHistory: true });
    const out = join(dir, "a2a-sdk.html");
    writeFileSync(out, timelineHtml(result, `replaysim run --scenario ${path}`));
    const page = await open(pathToFileURL(out).href);
    expect(await page.locator("h1").textContent()).toMatch(/A2A sdk/);
    expect(await page.locator(".violation h2").first().textContent()).toMatch(/history-once|terminal-final/);
    const labels = (await texts(page, "#rows text")).join("\n");
    expect(labels).toMatch(/retry client-1-m3-f/);
    expect(labels).toMatch(/status:completed/);
    expect(labels).toMatch(/restart: \d+ of \d+ messages done/);
    expect(await page.locator("#arrows g.a-request").count()).toBeGreaterThan(10);
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
    await page.close();
  }, 30_000);
});

describe("a merged report", () => {
  inBrowser("report.html of a merged run links each failure to its timeline, which opens", async () => {
    const root = mkdtempSync(join(tmpdir(), "replaysim-merged-"));
    const shards = await writeShards(root);
    const out = join(root, "merged");
    expect(await main(["merge", ...shards, "--out", out], { out: () => {}, err: () => {}, tty: false })).toBe(1);
    const page = await open(pathToFileURL(join(out, "report.html")).href);
    expect(await page.locator("h1").textContent()).toMatch(/merged from 2 shards/);
    const links = page.locator("section.fail a.timeline");
    expect(await links.count()).toBeGreaterThan(0);
    await Promise.all([page.waitForURL(/failures\/seed-\d+-http-batch-[a-z-]+\.html$/), links.first().click()]);
    expect(await page.title()).toMatch(/^replaysim timeline: seed \d+ · http-batch · mutant no-dedupe FAIL$/);
    expect(await page.locator("#lanes line").count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator("#rows tspan.w").count()).toBeGreaterThan(0);
    expect(await page.locator("#repro").textContent()).toMatch(/merged\/failures\/seed-\d+-http-batch-[a-z-]+\.json$/);
    await page.close();
  }, 120_000);
});
