import type { HuntResult } from "../sim/explore/mutants.ts";

/** The kill table, as text columns. */
export function mutantsTable(result: HuntResult): string[] {
  const rows = result.mutants.map((m) => [
    m.name,
    m.kind,
    m.killed ? "killed" : "ALIVE",
    m.seeds_to_kill === null ? "-" : String(m.seeds_to_kill),
    m.checker ?? "-",
    m.seed === null ? "-" : `${m.seed} ${m.transport}`,
    m.expected.join(", "),
  ]);
  const header = ["mutant", "kind", "verdict", "seeds", "killed by", "seed", "expected"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

export function mutantsSummary(result: HuntResult): string[] {
  const killed = result.mutants.filter((m) => m.killed).length;
  const lines = [
    `kill rate ${killed}/${result.mutants.length} (${(result.kill_rate * 100).toFixed(0)}%), median seeds to kill ${result.median_seeds_to_kill ?? "-"}`,
    `reference ${result.reference_clean ? "clean" : "FAILED"} over seeds ${result.reference_seeds > 0 ? `1..${result.reference_seeds}` : "(none)"}; ${(result.wall_ms / 1000).toFixed(1)} s`,
  ];
  for (const f of result.reference_failures) lines.push(`  reference seed ${f.seed} ${f.transport}: ${f.checker}: ${f.message}`);
  return lines;
}

export function mutantsJson(result: HuntResult): Record<string, unknown> {
  return {
    reference_clean: result.reference_clean,
    reference_seeds: result.reference_seeds,
    mutants: result.mutants.map((m) => ({
      name: m.name,
      kind: m.kind,
      killed: m.killed,
      seeds_to_kill: m.seeds_to_kill,
      checker: m.checker,
      checkers: m.checkers,
      seed: m.seed,
      transport: m.transport,
      message: m.message,
      repro: m.seed === null ? null : `replaysim run --seed ${m.seed} --${m.kind} ${m.name}${m.transport ? ` --transport ${m.transport}` : ""}`,
    })),
    kill_rate: result.kill_rate,
    median_seeds_to_kill: result.median_seeds_to_kill,
    wall_ms: result.wall_ms,
  };
}
