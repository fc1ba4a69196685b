import type { CheckerName } from "../checker-names.ts";

// The conformance report: for each claim of docs/claims.md that a run can
// judge, whether it held, broke (with the run that broke it), or was not
// exercised at all. Every run against someone else's implementation ends with it.

/** What the report needs of one run. */
export interface ConformanceRun {
  seed: number;
  transport: string;
  verdict: "pass" | "fail";
  /** Every checker that found something in this run, with the first violation's anomaly and message for each. */
  findings: { checker: CheckerName; anomaly: string; message: string }[];
  coverage: readonly string[];
  faults_by_kind: Readonly<Record<string, number>>;
  /** What the scenario had in it. */
  has: { viewers: boolean; readers: boolean; wrong_secret: boolean; ops: number; /** The world could read the clients' committed sync state (acked seq, cursor). */ client_state: boolean };
  repro: string;
  /** A timeline page of the run (or of its shrunk failure), if one was written. */
  timeline?: string;
}

export type ClaimStatus = "held" | "broken" | "not exercised";

export interface ClaimVerdict {
  /** The claim's number in docs/claims.md. */
  id: string;
  claim: string;
  status: ClaimStatus;
  /** Runs that exercised it. */
  exercised_in: number;
  broken_by: { seed: number; transport: string; checker: string; anomaly: string; message: string; repro: string; timeline?: string } | null;
}

/** Whose claim it is: a client module is judged on the client's, a server on the server's, a viewer on the viewer's; client and server both on the end-to-end ones. */
export type ClaimRole = "client" | "server" | "viewer" | "both";

/** One claim a run can judge: the checkers (and anomalies) that break it, and what a run must have had for it to count. */
interface ClaimSpec {
  id: string;
  role: ClaimRole;
  claim: string;
  breaks: { checker: CheckerName; anomalies?: readonly string[] }[];
  exercised(run: ConformanceRun): boolean;
}

const some = (run: ConformanceRun, ...kinds: string[]) => kinds.some((k) => (run.faults_by_kind[k] ?? 0) > 0);
const reached = (run: ConformanceRun, prefix: string) => run.coverage.some((c) => c === prefix || c.startsWith(`${prefix}/`));
const hasOps = (run: ConformanceRun) => run.has.ops > 0;
// Sim and real name their faults a little differently (sim/faults/fault-kind.ts, real/world): either counts.
const retried = (r: ConformanceRun) => some(r, "http_duplicate", "duplicate", "http_drop_response", "drop_response", "lose_reply", "ws_cut", "cut", "crash", "crash_point") || reached(r, "reply_lost_after_apply");
const restarted = (r: ConformanceRun) => some(r, "crash", "crash_point", "crash_silent", "power_loss");

/** The claims of docs/claims.md that a run judges, in its numbering. */
export const CLAIMS: readonly ClaimSpec[] = [
  { id: "1", role: "both", claim: "Every op whose enqueue committed is applied exactly once.", breaks: [{ checker: "exactly-once" }], exercised: hasOps },
  { id: "4", role: "server", claim: "A duplicate (seq <= last_seq) has no effect: a retried or duplicated batch applies once.", breaks: [{ checker: "exactly-once", anomalies: ["duplicated"] }, { checker: "order", anomalies: ["repeat"] }], exercised: retried },
  { id: "6", role: "server", claim: "A gap rejects the op and everything after it.", breaks: [{ checker: "order", anomalies: ["gap"] }], exercised: (r) => reached(r, "gap_rejected") },
  // Judged from the sync_state row of the client's database: a client that keeps its acks elsewhere does not exercise these.
  { id: "9", role: "client", claim: "Nothing is marked acked on the client that the server has not applied.", breaks: [{ checker: "ack-integrity" }], exercised: (r) => hasOps(r) && r.has.client_state },
  { id: "10", role: "both", claim: "Nothing is applied through a revoked epoch, a read-only capability or a wrong secret.", breaks: [{ checker: "capability", anomalies: ["stale_epoch_write", "read_only_write", "unauthorized_write"] }], exercised: (r) => some(r, "revoke") || r.has.readers || r.has.wrong_secret },
  { id: "14", role: "server", claim: "A refused call changes nothing, and every refusal carries a code.", breaks: [{ checker: "capability", anomalies: ["refusal_changed_state", "refusal_without_code", "forbidden_accepted"] }], exercised: (r) => reached(r, "forbidden_refused") },
  { id: "17", role: "server", claim: "The server's cursor equals the number of applied ops and never decreases, across restarts too.", breaks: [{ checker: "cursor-monotonic" }], exercised: hasOps },
  { id: "20", role: "client", claim: "Every cursor a client is told or keeps only moves forward.", breaks: [{ checker: "cursor-monotonic" }], exercised: (r) => hasOps(r) && r.has.client_state },
  { id: "21", role: "both", claim: "Per producer, applied seqs are exactly 1..n in order.", breaks: [{ checker: "order" }], exercised: hasOps },
  { id: "22", role: "both", claim: "The final session equals a reference model applying each enqueued op once, in seq order.", breaks: [{ checker: "convergence" }], exercised: hasOps },
  { id: "26", role: "both", claim: "Every outbox drains after healing; no run hangs.", breaks: [{ checker: "liveness" }], exercised: hasOps },
  { id: "33", role: "server", claim: "What a viewer applied is a gapless prefix of the log, and its view equals the server's at its cursor.", breaks: [{ checker: "reader-prefix" }, { checker: "reader-convergence" }], exercised: (r) => r.has.viewers },
  { id: "33v", role: "viewer", claim: "What the viewer applied is a gapless prefix of the log, and its view equals the server's at its cursor.", breaks: [{ checker: "reader-prefix" }, { checker: "reader-convergence" }], exercised: (r) => r.has.viewers },
  { id: "33b", role: "viewer", claim: "After healing, every viewer still following catches up with its share's final cursor.", breaks: [{ checker: "liveness", anomalies: ["viewer_behind", "viewer_stopped"] }], exercised: (r) => r.has.viewers },
  { id: "35", role: "server", claim: "An acknowledged op survives a server power loss or crash.", breaks: [{ checker: "exactly-once", anomalies: ["lost"] }], exercised: restarted },
  { id: "36", role: "client", claim: "A returned enqueue survives a client crash or power loss.", breaks: [{ checker: "exactly-once", anomalies: ["lost"] }], exercised: restarted },
  { id: "4c", role: "client", claim: "A client retries what it is unsure of, and nothing it retries is applied twice.", breaks: [{ checker: "exactly-once", anomalies: ["duplicated", "lost"] }], exercised: retried },
];

function breaksIt(spec: ClaimSpec, f: ConformanceRun["findings"][number]): boolean {
  return spec.breaks.some((b) => b.checker === f.checker && (!b.anomalies || b.anomalies.includes(f.anomaly)));
}

/** The claims table over a set of runs for what is under test: broken by the first run that exercised it and whose findings break it, else held where exercised. */
export function conformanceTable(runs: readonly ConformanceRun[], role: "client" | "server" | "viewer"): ClaimVerdict[] {
  return CLAIMS.filter((spec) => spec.role === role || (spec.role === "both" && role !== "viewer")).map((spec) => {
    const exercised = runs.filter((r) => spec.exercised(r));
    let broken_by: ClaimVerdict["broken_by"] = null;
    // Only a run that exercised the claim can break it: a loss in a run without crashes says nothing about crashes.
    for (const run of exercised) {
      const finding = run.findings.find((f) => breaksIt(spec, f));
      if (!finding) continue;
      broken_by = { seed: run.seed, transport: run.transport, checker: finding.checker, anomaly: finding.anomaly, message: finding.message, repro: run.repro, ...(run.timeline ? { timeline: run.timeline } : {}) };
      break;
    }
    const status: ClaimStatus = broken_by ? "broken" : exercised.length > 0 ? "held" : "not exercised";
    return { id: spec.id, claim: spec.claim, status, exercised_in: exercised.length, broken_by };
  });
}

/** What the report needs to know of an exploration: its outcomes, each seed's scenario, and the files written for its failures. */
export function runsOfExploration(
  outcomes: readonly { seed: number; transport: string; verdict: "pass" | "fail"; findings: ConformanceRun["findings"]; coverage: readonly string[]; faults_by_kind: Readonly<Record<string, number>>; repro: string; client_samples: number }[],
  scenarioOf: (seed: number, transport: string) => { clients: readonly { ops: number; scope: string; secret: string }[]; viewers: readonly unknown[] },
  failureFiles: readonly { seed: number; transport: string; repro: string; timeline: string | null }[],
): ConformanceRun[] {
  return outcomes.map((o) => {
    const s = scenarioOf(o.seed, o.transport);
    const file = failureFiles.find((f) => f.seed === o.seed && f.transport === o.transport);
    return {
      seed: o.seed,
      transport: o.transport,
      verdict: o.verdict,
      findings: o.findings,
      coverage: o.coverage,
      faults_by_kind: o.faults_by_kind,
      has: { viewers: s.viewers.length > 0, readers: s.clients.some((c) => c.scope === "read"), wrong_secret: s.clients.some((c) => c.secret === "wrong"), ops: s.clients.reduce((n, c) => n + c.ops, 0), client_state: o.client_samples > 0 },
      // A failure's shrunk file replays it smallest; its timeline draws it.
      repro: file?.repro ?? o.repro,
      ...(file?.timeline ? { timeline: file.timeline } : {}),
    };
  });
}
