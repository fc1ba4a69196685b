import { existsSync } from "node:fs";
import type { Browser } from "playwright-core";

// Pages and charts are tested in a real browser: Debian's chromium, driven by
// playwright-core, which downloads nothing. Locally a missing browser skips
// those tests with a message; under CI=true it fails them (.ci/run installs it).

const CANDIDATES = [process.env.REPLAYSIM_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].filter(
  (p): p is string => typeof p === "string" && p.length > 0,
);

/** The browser executable to use, or null when none is installed. */
export function findChromium(): string | null {
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/**
 * Whether browser tests run here. Under CI a missing browser is a failure the
 * caller must report, not a skip: `required` says so.
 */
export function browserAvailability(): { path: string | null; required: boolean; skipReason: string | null } {
  const path = findChromium();
  const required = process.env.CI === "true";
  if (path) return { path, required, skipReason: null };
  return {
    path: null,
    required,
    skipReason: "no Chromium found (tried REPLAYSIM_CHROMIUM, /usr/bin/chromium): browser tests skipped. Install it with `apt-get install chromium`.",
  };
}

/** Starts headless Chromium with no network chatter (the machine has no internet). */
export async function launchChromium(path: string): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: path,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
