import type { CrashPoint } from "../../protocol/ports.ts";
import type { CrashAt } from "./crash-at.ts";

/** What every real child is started with: its seed, where it dies, and the scenario's seams. */
export interface ChildSeams {
  seed: number;
  crash_at: CrashAt | null;
  /** The scenario's crash_point rate, for this process's own points; null in the liveness phase. */
  crash_chance: { p: number; points: CrashPoint[] } | null;
  /** The scenario's variant, mutant and options: the same seams as in the simulator. */
  variant: string;
  mutant: string | null;
  options: Record<string, number | string | boolean>;
}

/** What a child that writes (the server, a client) is started with besides: its disk and its settings. */
export interface WriterStorage {
  /** A disk-full window is open on this node: its database cannot grow (SQLITE_FULL), from its first write. */
  disk_full: boolean;
  /** The scenario's storage settings: "NORMAL" runs the old synchronous=NORMAL on top of the opener. */
  synchronous: "reference" | "NORMAL";
}
