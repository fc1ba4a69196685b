// The seams through which the code under test reaches the world. The simulator
// supplies virtual implementations; real/adapters.ts supplies the real ones.
// Nothing in protocol/, server-under-test/ or client-under-test/ may read time,
// randomness or ids any other way (docs/design.md, "Determinism rules").

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since an arbitrary epoch; virtual inside the simulator. */
  now(): number;
  /** Runs `fn` once after `delay_ms`. Never fires after the owning process crashed. */
  setTimer(delay_ms: number, fn: () => void): TimerHandle;
}

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
}

export interface Ids {
  /** A fresh id, unique within this process's lifetime and across restarts. */
  next(prefix: string): string;
}

/** Durability boundaries where the simulator may crash a process. */
export type CrashPoint =
  | "client.before_enqueue_commit"
  | "client.after_enqueue_commit"
  | "client.after_send_before_ack"
  | "client.after_ack_before_mark"
  | "server.before_commit"
  | "server.after_commit_before_reply"
  | "viewer.before_apply_commit"
  | "viewer.after_apply_commit";

export const CRASH_POINTS: readonly CrashPoint[] = [
  "client.before_enqueue_commit",
  "client.after_enqueue_commit",
  "client.after_send_before_ack",
  "client.after_ack_before_mark",
  "server.before_commit",
  "server.after_commit_before_reply",
  "viewer.before_apply_commit",
  "viewer.after_apply_commit",
];

export interface CrashPoints {
  /** May throw to end the process here; outside the simulator it does nothing. */
  reach(point: CrashPoint): void;
}

/**
 * What the code under test reports about itself, for the simulator's history.
 * Emitted only after the fact it describes is durable (or, for sends, has happened).
 */
export type ProbeEvent =
  | { type: "enqueue_committed"; producer: string; seq: number; op_id: string }
  | { type: "call_sent"; producer: string; seq_from: number; seq_to: number }
  | { type: "ack_received"; producer: string; last_seq: number; cursor: number; applied: number; duplicates: number; rejected: number }
  | { type: "marked_acked"; producer: string; acked_seq: number }
  | { type: "cursor_recorded"; producer: string; share: string; cursor: number }
  | { type: "redeemed"; producer: string; share: string; epoch: number; last_seq: number; cursor: number }
  | { type: "session_failed"; producer: string; code: string; message: string }
  | { type: "client_stopped"; producer: string; code: string; message: string }
  | { type: "applied"; share: string; producer: string; seq_from: number; seq_to: number; count: number; cursor_to: number; epoch: number; scope: string }
  | { type: "revoked"; share: string; epoch: number; secret_rotated: boolean }
  /** Entries the server handed a reader, by `read`, by push or over REST, and the grant it served them under. */
  | { type: "served"; share: string; via: "read" | "push" | "rest"; cursor_from: number; cursor_to: number; count: number; limit: number; epoch: number; scope: string; in_flight?: number }
  | { type: "subscription_ended"; share: string; code: string }
  | { type: "viewer_redeemed"; viewer: string; share: string; epoch: number; cursor: number; from: number }
  | { type: "viewer_applied"; viewer: string; share: string; cursor_from: number; cursor_to: number; count: number }
  | { type: "viewer_snapshot"; viewer: string; share: string; cursor: number }
  | { type: "viewer_session_failed"; viewer: string; code: string; message: string }
  | { type: "viewer_stopped"; viewer: string; code: string; message: string };

export interface Probe {
  emit(event: ProbeEvent): void;
}

export const noCrashPoints: CrashPoints = { reach() {} };
export const noProbe: Probe = { emit() {} };

/** Resolves after `delay_ms` on the given clock. */
export function sleep(clock: Clock, delay_ms: number): Promise<void> {
  return new Promise((resolve) => {
    clock.setTimer(delay_ms, resolve);
  });
}
