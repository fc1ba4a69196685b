/** What the world, as an adversary, may try against the server (sim/adversary/adversary.ts). */
export const FORBIDDEN_ATTEMPTS = ["reader_append", "reader_revoke", "wrong_secret", "stale_append", "impersonate_producer", "reader_read_other"] as const;
export type ForbiddenAttempt = (typeof FORBIDDEN_ATTEMPTS)[number];
