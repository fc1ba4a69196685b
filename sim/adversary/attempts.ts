/** What the world, as an adversary, may try against the server (sim/adversary/adversary.ts). */
export const FORBIDDEN_ATTEMPTS = ["reader_append", "reader_revoke", "wrong_secret", "stale_append", "impersonate_producer", "reader_read_other"] as const;
export type ForbiddenAttempt = (typeof FORBIDDEN_ATTEMPTS)[number];

/** What one forbidden attempt got; the history records it without its time, the run record with it. */
export interface ForbiddenProbeData {
  attempt: ForbiddenAttempt;
  share: string;
  outcome: "refused" | "accepted" | "skipped";
  code: string | null;
  message: string;
  /** The server's tables hashed before and after: a refused call must change nothing. */
  state_changed: boolean;
}
