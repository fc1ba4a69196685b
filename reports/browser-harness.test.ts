import { expect, test } from "vitest";
import { browserAvailability, launchChromium } from "./browser-harness.ts";

const browser = browserAvailability();
if (browser.skipReason && !browser.required) console.warn(browser.skipReason);

// The harness itself: a page renders and a screenshot is not blank.
test.skipIf(!browser.path && !browser.required)("headless Chromium renders an inline SVG page", async () => {
  if (!browser.path) throw new Error(`CI=true but ${browser.skipReason}`);
  const chromium = await launchChromium(browser.path);
  try {
    const page = await chromium.newPage();
    await page.setContent(`<svg width="40" height="40"><rect width="40" height="40" fill="#c00"/></svg>`);
    expect(await page.locator("svg rect").count()).toBe(1);
    const png = await page.screenshot();
    expect(png.byteLength).toBeGreaterThan(100);
  } finally {
    await chromium.close();
  }
}, 60_000);
