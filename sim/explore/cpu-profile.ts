import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { findSourceMap } from "node:module";
import { dirname } from "node:path";

// `--profile-cpu FILE`: V8's sampling profiler in one explore worker, written
// as a .cpuprofile (Chrome DevTools' Performance panel and VS Code open it).
// The worker runs the bundle in dist/; its frames are mapped back through the
// source maps, so the profile names the .ts files and their lines.

/** Microseconds between samples: finer than V8's 1 ms default, since one seed takes tens of ms. */
const SAMPLING_INTERVAL_US = 250;

interface CallFrame {
  functionName: string;
  scriptId: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  positionTicks?: { line: number; ticks: number }[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface CpuProfiler {
  /** Stops sampling and writes the profile; resolves once the file is complete. */
  stopAndWrite(): Promise<void>;
}

/** Starts profiling this thread; the file is written when stopAndWrite() is called. */
export async function startCpuProfile(path: string): Promise<CpuProfiler> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: SAMPLING_INTERVAL_US });
  await session.post("Profiler.start");
  return {
    async stopAndWrite() {
      const { profile } = (await session.post("Profiler.stop")) as { profile: CpuProfile };
      session.disconnect();
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, JSON.stringify(toSources(profile)));
    },
  };
}

/** Points each frame of built code at its TypeScript source; frames with no source map stay as they are. */
export function toSources(profile: CpuProfile): CpuProfile {
  const scriptIds = new Map<string, string>();
  for (const node of profile.nodes) {
    const frame = node.callFrame;
    if (!frame.url.startsWith("file:") || frame.lineNumber < 0) continue;
    const entry = findSourceMap(frame.url)?.findEntry(frame.lineNumber, Math.max(0, frame.columnNumber)) as { originalSource?: string; originalLine?: number; originalColumn?: number } | undefined;
    if (!entry?.originalSource) continue;
    // Viewers group frames by script: one id per source file.
    if (!scriptIds.has(entry.originalSource)) scriptIds.set(entry.originalSource, `ts-${scriptIds.size + 1}`);
    node.callFrame = { ...frame, url: entry.originalSource, scriptId: scriptIds.get(entry.originalSource)!, lineNumber: entry.originalLine ?? 0, columnNumber: entry.originalColumn ?? 0 };
    // Line ticks are lines of the bundle: wrong in the source file, so left out.
    delete node.positionTicks;
  }
  return profile;
}
