import type { RunResult } from "../../sim/run-scenario.ts";
import type { RealRunResult } from "./real-run.ts";

// The differential verdict: one scenario in the simulator and for real, side
// by side. A disagreement on the verdict, the anomalies, what was applied or
// the final session of a share is a finding: either the simulator's model
// misses something real, or real mode has a harness gap; the caller reports it
// with both repros.

/** What one world said about a scenario, in the terms the two share. */
export interface WorldSide {
  verdict: string;
  outcome: string;
  anomalies: string[];
  ops: number;
  applied: number;
  /** Each share's materialized session, by share index. */
  views: string[];
  /** The ops each share applied, as a set of bodies, by share index. */
  work: string[];
  faults: Record<string, number>;
  /** The code each client stopped with, by node, for the clients that stopped. */
  stopped: Record<string, string>;
}

export interface Comparison {
  sim: WorldSide;
  real: WorldSide;
  /** Empty when the two agree. */
  disagreements: string[];
  /** Differences with a known cause that is no bug in either world, each with it. */
  explained: string[];
}

const anomaliesOf = (violations: readonly { checker: string; anomaly: string }[]) => [...new Set(violations.map((v) => `${v.checker}/${v.anomaly}`))].sort();

export function simSide(r: RunResult): WorldSide {
  return {
    verdict: r.verdict,
    outcome: r.stats.outcome,
    anomalies: anomaliesOf(r.violations),
    ops: r.stats.ops,
    applied: r.stats.applied,
    views: r.final.shares.map((s) => s.view_digest),
    work: r.final.shares.map((s) => s.ops_digest),
    faults: r.stats.faults_by_kind,
    stopped: stoppedOf(r.final.clients),
  };
}

export function realSide(r: RealRunResult): WorldSide {
  return {
    verdict: r.verdict,
    outcome: r.outcome,
    anomalies: anomaliesOf(r.violations),
    ops: r.stats.ops,
    applied: r.stats.applied,
    views: r.final.shares.map((s) => s.view_digest),
    work: r.final.shares.map((s) => s.ops_digest),
    faults: { ...r.stats.faults_by_kind, ...(r.stats.crashes > 0 ? { crash: r.stats.crashes } : {}) },
    stopped: stoppedOf(r.final.clients),
  };
}

const stoppedOf = (clients: readonly { node: string; stopped: { code: string } | null }[]) => Object.fromEntries(clients.flatMap((c) => (c.stopped ? [[c.node, c.stopped.code]] : [])));

/**
 * Verdicts and anomalies must agree. What was applied and each share's final
 * session must agree too, unless a known cause made the worlds commit
 * different ops or stop different clients: then the difference is explained,
 * not a finding. Both causes are timing, which real mode cannot replay: which
 * enqueue a crash interrupts (crash points are drawn per process, and an
 * interrupted enqueue's op is dropped in both worlds), and where in the
 * workload a timed revoke lands (real mode compresses the workload's time).
 */
export function compareWorlds(sim: WorldSide, real: WorldSide): Comparison {
  const disagreements: string[] = [];
  const explained: string[] = [];
  const stoppedDiffer = JSON.stringify(sim.stopped) !== JSON.stringify(real.stopped);
  const workDiffers = sim.ops !== real.ops || sim.work.some((w, i) => real.work[i] !== undefined && real.work[i] !== w);
  if (workDiffers) explained.push(`the worlds applied different ops (simulator ${sim.ops} committed, real ${real.ops}): crashes interrupted different enqueues, whose ops are dropped`);
  if (stoppedDiffer) explained.push(`clients stopped differently (simulator ${JSON.stringify(sim.stopped)}, real ${JSON.stringify(real.stopped)}): a timed fault met the workload at another point`);
  const sameWork = !workDiffers && !stoppedDiffer;
  if (sim.verdict !== real.verdict) disagreements.push(`verdict: simulator ${sim.verdict}, real ${real.verdict}`);
  const onlySim = sim.anomalies.filter((a) => !real.anomalies.includes(a));
  const onlyReal = real.anomalies.filter((a) => !sim.anomalies.includes(a));
  if (onlySim.length > 0) disagreements.push(`anomalies only the simulator found: ${onlySim.join(", ")}`);
  if (onlyReal.length > 0) disagreements.push(`anomalies only the real run found: ${onlyReal.join(", ")}`);
  if (sameWork && (sim.applied !== sim.ops || real.applied !== real.ops)) {
    if (sim.applied - sim.ops !== real.applied - real.ops) disagreements.push(`applied against committed: simulator ${sim.applied}/${sim.ops}, real ${real.applied}/${real.ops}`);
  }
  sim.views.forEach((v, i) => {
    if (sameWork && real.views[i] !== undefined && real.views[i] !== v && sim.verdict === "pass" && real.verdict === "pass") disagreements.push(`share ${i}'s final session differs: simulator ${v}, real ${real.views[i]}`);
  });
  return { sim, real, disagreements, explained };
}

/** The comparison as aligned lines for a terminal. */
export function comparisonLines(label: string, c: Comparison, repros: { sim: string; real: string }): string[] {
  const row = (name: string, a: string, b: string) => `  ${name.padEnd(12)} ${a.padEnd(44)} ${b}`;
  const faults = (f: Record<string, number>) => Object.entries(f).map(([k, n]) => `${k} ${n}`).join(", ") || "none";
  return [
    `${c.disagreements.length === 0 ? "=" : "≠"} ${label}`,
    row("", "simulator", "real"),
    row("verdict", `${c.sim.verdict} (${c.sim.outcome})`, `${c.real.verdict} (${c.real.outcome})`),
    row("anomalies", c.sim.anomalies.join(", ") || "none", c.real.anomalies.join(", ") || "none"),
    row("applied", `${c.sim.applied} of ${c.sim.ops}`, `${c.real.applied} of ${c.real.ops}`),
    row("views", c.sim.views.join(" "), c.real.views.join(" ")),
    row("faults", faults(c.sim.faults), faults(c.real.faults)),
    ...c.disagreements.map((d) => `  ≠ ${d}`),
    ...c.explained.map((d) => `  ~ ${d}`),
    ...(c.disagreements.length > 0 ? [`  simulator: ${repros.sim}`, `  real:      ${repros.real}`] : []),
  ];
}
