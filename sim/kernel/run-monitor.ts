// What a running world shows the thread that supervises it. Code under test
// that spins in microtasks never lets its own thread post a message, so the
// world writes its progress into shared memory as it goes, and the supervisor
// reads it from outside: to notice that nothing moves, and to say where the
// run stood when it was stopped.

/** The history events kept for a hang report. */
export const MONITOR_LINES = 20;
const LINE_BYTES = 1024;

// A Float64 of virtual time, then Int32 words: [0] phase, [1] events run, [2] lines written; then one length per line slot.
const WORDS = 3 + MONITOR_LINES;
const PHASE = 0;
const EVENTS = 1;
const WRITTEN = 2;

export type MonitorPhase = "idle" | "running" | "judging";
const PHASES: readonly MonitorPhase[] = ["idle", "running", "judging"];

export interface MonitorReading {
  phase: MonitorPhase;
  events: number;
  sim_time_ms: number;
  /** The last history lines recorded, oldest first (canonical JSON). */
  last_lines: string[];
}

export function monitorBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(WORDS * 4 + 8 + MONITOR_LINES * LINE_BYTES);
}

function views(buffer: SharedArrayBuffer) {
  return {
    time: new Float64Array(buffer, 0, 1),
    words: new Int32Array(buffer, 8, WORDS),
    bytes: new Uint8Array(buffer, 8 + WORDS * 4, MONITOR_LINES * LINE_BYTES),
  };
}

/** The writing side, in the thread that runs the world. */
export class RunMonitor {
  readonly #v: ReturnType<typeof views>;
  readonly #encoder = new TextEncoder();
  /** One view per line slot, made once: a subarray per history line was a measurable cost. */
  readonly #slots: Uint8Array[];

  constructor(buffer: SharedArrayBuffer) {
    this.#v = views(buffer);
    this.#slots = Array.from({ length: MONITOR_LINES }, (_, slot) => this.#v.bytes.subarray(slot * LINE_BYTES, (slot + 1) * LINE_BYTES));
  }

  begin(): void {
    Atomics.store(this.#v.words, EVENTS, 0);
    Atomics.store(this.#v.words, WRITTEN, 0);
    this.#v.time[0] = 0;
    this.phase("running");
  }

  phase(phase: MonitorPhase): void {
    Atomics.store(this.#v.words, PHASE, PHASES.indexOf(phase));
  }

  progress(sim_time_ms: number, events: number): void {
    this.#v.time[0] = sim_time_ms;
    Atomics.store(this.#v.words, EVENTS, events);
  }

  line(text: string): void {
    const written = this.#v.words[WRITTEN]!;
    const slot = written % MONITOR_LINES;
    const { written: n } = this.#encoder.encodeInto(text, this.#slots[slot]!);
    this.#v.words[3 + slot] = n;
    Atomics.store(this.#v.words, WRITTEN, written + 1);
  }
}

/** The reading side, in the supervising thread. */
export function readMonitor(buffer: SharedArrayBuffer): MonitorReading {
  const v = views(buffer);
  const written = Atomics.load(v.words, WRITTEN);
  const decoder = new TextDecoder();
  const last_lines: string[] = [];
  for (let i = Math.max(0, written - MONITOR_LINES); i < written; i++) {
    const slot = i % MONITOR_LINES;
    const length = Math.min(LINE_BYTES, Math.max(0, v.words[3 + slot]!));
    last_lines.push(decoder.decode(v.bytes.slice(slot * LINE_BYTES, slot * LINE_BYTES + length)));
  }
  return { phase: PHASES[Atomics.load(v.words, PHASE)] ?? "idle", events: Atomics.load(v.words, EVENTS), sim_time_ms: v.time[0]!, last_lines };
}

let current: RunMonitor | null = null;

/** Set once by a supervised worker; worlds run elsewhere report to nobody. */
export function setRunMonitor(monitor: RunMonitor | null): void {
  current = monitor;
}

export function runMonitor(): RunMonitor | null {
  return current;
}
