import type { BenchRow, CellRow, Goal } from "./report.ts";

// The two goals, read off the rows of a run. Benchmarks, not tests:
// the report says whether they were met and by how much.

const ok = (rows: readonly BenchRow[]): CellRow[] => rows.filter((r): r is CellRow => r.kind === "cell" && r.error === null && r.storage === "memory");

export function goals(rows: readonly BenchRow[]): Goal[] {
  const cells = ok(rows);
  const out: Goal[] = [];

  // 1. In-process, batch 100: sync ≥ 50% of the SQLite ceiling, every transport (its best in-flight setting).
  const ceilingRatios: Record<string, number | null> = {};
  for (const c of cells.filter((r) => r.mode === "in-process" && r.batch === 100)) {
    const best = ceilingRatios[c.transport];
    if (c.ceiling_ratio !== null && (best == null || c.ceiling_ratio > best)) ceilingRatios[c.transport] = c.ceiling_ratio;
  }
  const r1 = Object.values(ceilingRatios);
  out.push({
    name: "in-process batch 100 vs SQLite ceiling",
    target: "sync ops/s ≥ 0.5 × ceiling, every transport",
    ratios: ceilingRatios,
    met: r1.length === 0 ? null : r1.every((r) => r !== null && r >= 0.5),
  });

  // 2. Loopback, batch 1: websocket ≥ 2× rest, at each in-flight setting.
  const wsOverRest: Record<string, number | null> = {};
  const loop = cells.filter((r) => r.mode === "loopback" && r.batch === 1);
  for (const ws of loop.filter((r) => r.transport === "websocket")) {
    const rest = loop.find((r) => r.transport === "rest" && r.in_flight === ws.in_flight);
    if (rest && rest.ops_per_s > 0) wsOverRest[`in-flight ${ws.in_flight}`] = ws.ops_per_s / rest.ops_per_s;
  }
  const r2 = Object.values(wsOverRest);
  out.push({
    name: "loopback batch 1 websocket vs rest",
    target: "websocket ops/s ≥ 2 × rest ops/s",
    ratios: wsOverRest,
    met: r2.length === 0 ? null : r2.every((r) => r !== null && r >= 2),
  });
  return out;
}
