import type { RunResult } from "../run-scenario.ts";

/**
 * Checks a named scenario's `expect` block against its run: did the run really
 * exercise what the scenario is about? Returns what was missing, if anything.
 * Needs the run's history (runScenario with keepHistory).
 */
export function unmetExpectations(result: RunResult): string[] {
  const expect = result.scenario.expect;
  if (!expect) return [];
  const missing: string[] = [];
  if (expect.fails_with !== undefined && !result.violations.some((v) => v.checker === expect.fails_with)) {
    missing.push(`expected a ${expect.fails_with} violation, got ${result.violations.map((v) => v.checker).join(", ") || "a pass"}`);
  }
  for (const [kind, min] of Object.entries(expect.faults ?? {})) {
    const n = result.stats.faults_by_kind[kind] ?? 0;
    if (n < min) missing.push(`fault ${kind}: ${n} injected, at least ${min} expected`);
  }
  const history = result.history ?? [];
  for (const wanted of expect.events ?? []) {
    const [type, code] = wanted.split(":");
    if (!history.some((e) => e.type === type && (code === undefined || ("code" in e.data && e.data.code === code)))) missing.push(`no ${wanted} event in the history`);
  }
  for (const [node, code] of Object.entries(expect.stopped ?? {})) {
    const viewer = result.final.viewers?.find((v) => v.node === node);
    if (node.startsWith("viewer-")) {
      if (viewer?.stopped?.code !== code) missing.push(`${node} should have stopped with ${code}, got ${viewer?.stopped?.code ?? "no stop"}`);
      continue;
    }
    const client = result.final.clients.find((c) => c.node === node);
    if (client?.stopped?.code !== code) missing.push(`${node} should have stopped with ${code}, got ${client?.stopped?.code ?? "no stop"}`);
    else if (client.pending === 0) missing.push(`${node} stopped with ${code} but kept no ops in its outbox`);
  }
  for (const condition of [...(expect.coverage ?? []), ...(expect.coverage_on?.[result.transport] ?? [])]) {
    if (!result.coverage.includes(condition)) missing.push(`coverage condition ${condition} was never reached`);
  }
  for (const [index, n] of Object.entries(expect.producers ?? {})) {
    const share = result.final.shares.find((s) => s.index === Number(index));
    if ((share?.producers ?? 0) !== n) missing.push(`share ${index}: ${share?.producers ?? 0} producers wrote to it, ${n} expected`);
  }
  return missing;
}
