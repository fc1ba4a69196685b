import type { RunResult } from "../sim/run-scenario.ts";

// What one run produced, for people (console) and for machines (JSON).

function seconds(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(0)} s` : `${(ms / 1000).toFixed(1)} s`;
}

export function describeRun(result: RunResult): string {
  const s = result.stats;
  const label = result.scenario.profile ? ` (${result.scenario.profile})` : "";
  const variant = [result.scenario.variant !== "reference" ? `variant ${result.scenario.variant}` : "", result.scenario.mutant ? `mutant ${result.scenario.mutant}` : ""].filter(Boolean).join(", ");
  const system = result.scenario.a2a ? `A2A ${result.scenario.a2a.setup}` : result.transport;
  const work = result.scenario.a2a ? `${s.ops} messages, ${s.applied} tasks stored` : `${s.ops} ops committed, ${s.applied} applied`;
  return `seed ${result.seed} ${system}${label}${variant ? `, ${variant}` : ""}: ${work}, ${s.faults} faults, ${seconds(s.sim_time_ms)} simulated in ${s.wall_ms.toFixed(0)} ms`;
}

function describeViewer(v: NonNullable<RunResult["final"]["viewers"]>[number]): string {
  const how = v.stopped ? `stopped with ${v.stopped.code}` : v.left ? "left" : "following";
  return `${v.node} at cursor ${v.cursor} (${v.applied} applied, ${how})`;
}

/** What a stopped run leaves to read: the stack of what the code under test threw, the last events before a hang. */
export function witnessDetail(witness: Record<string, unknown>): string[] {
  const out: string[] = [];
  const stack = witness.stack;
  if (Array.isArray(stack) && stack.length > 0) out.push("    stack:", ...stack.map((frame) => `      ${String(frame)}`));
  if (typeof witness.first_run === "string" || typeof witness.second_run === "string") {
    out.push(`    first run:  ${String(witness.first_run)}`, `    second run: ${String(witness.second_run)}`);
  }
  const last = witness.last_events;
  if (Array.isArray(last) && last.length > 0) out.push(`    last ${last.length} history events:`, ...last.map((e) => `      ${typeof e === "string" ? e : JSON.stringify(e)}`));
  return out;
}

export function consoleSummary(result: RunResult, repro: string): string[] {
  const lines = [`${result.verdict === "pass" ? "PASS" : "FAIL"} ${describeRun(result)}`, `trace ${result.trace_hash || "(none: the run was stopped before its end)"}`];
  if (Object.keys(result.stats.faults_by_kind).length > 0) {
    lines.push(`faults: ${Object.entries(result.stats.faults_by_kind).map(([k, n]) => `${k} ${n}`).join(", ")}`);
  }
  const viewers = result.final.viewers ?? [];
  if (viewers.length > 0) lines.push(`viewers: ${viewers.map(describeViewer).join(", ")}`);
  for (const v of result.violations) {
    lines.push(`  ✗ ${v.checker}/${v.anomaly}${v.t_ms === null ? "" : ` at ${v.t_ms} ms`}: ${v.message}`);
    lines.push(...witnessDetail(v.witness));
  }
  const expected = result.expected ?? [];
  if (expected.length > 0) {
    lines.push(`expected (storage synchronous=NORMAL): ${expected.length} finding${expected.length === 1 ? "" : "s"} a power loss under NORMAL allows`);
    for (const v of expected.slice(0, 5)) lines.push(`  ~ ${v.checker}/${v.anomaly}${v.t_ms === null ? "" : ` at ${v.t_ms} ms`}: ${v.message}`);
  }
  if (result.verdict === "fail") lines.push(`replay: ${repro}`);
  return lines;
}

/** The `run --json` object. */
export function runJson(result: RunResult): Record<string, unknown> {
  const s = result.stats;
  return {
    seed: result.seed,
    transport: result.transport,
    verdict: result.verdict,
    trace_hash: result.trace_hash,
    violations: result.violations.map((v) => ({ checker: v.checker, anomaly: v.anomaly, message: v.message, t_ms: v.t_ms, witness: v.witness })),
    ...(result.expected ? { expected: result.expected.map((v) => ({ checker: v.checker, anomaly: v.anomaly, message: v.message, t_ms: v.t_ms })) } : {}),
    coverage: result.coverage,
    ...(result.final.viewers ? { viewers: result.final.viewers } : {}),
    stats: {
      ops: s.ops,
      applied: s.applied,
      faults: s.faults,
      faults_by_kind: s.faults_by_kind,
      sim_time_ms: s.sim_time_ms,
      wall_ms: s.wall_ms,
      events: s.events,
      outcome: s.outcome,
    },
  };
}
