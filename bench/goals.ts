import type { BenchRow, CellRow, Goal } from "./report.ts";

// The two goals, read off the rows of a run, once per storage setting.
// Benchmarks, not tests: the report says whether they were met and by how much.

const storageText = (r: CellRow) => (r.synchronous === null ? r.storage : `${r.storage}/${r.synchronous}`);

export function goals(rows: readonly BenchRow[]): Goal[] {
  const cells = rows.filter((r): r is CellRow => r.kind === "cell" && r.error === null);
  const storages = [...new Set(cells.map(storageText))];
  const out: Goal[] = [];

  // 1. In-process, batch 100: sync ≥ 50% of the SQLite ceiling, every transport (its best in-flight setting).
  for (const storage of storages) {
    const ratios: Record<string, number | null> = {};
    for (const c of cells.filter((r) => r.mode === "in-process" && r.batch === 100 && storageText(r) === storage)) {
      const best = ratios[c.transport];
      if (c.ceiling_ratio !== null && (best == null || c.ceiling_ratio > best)) ratios[c.transport] = c.ceiling_ratio;
    }
    const r = Object.values(ratios);
    if (r.length === 0) continue;
    out.push({
      name: `in-process batch 100 vs SQLite ceiling, ${storage}`,
      target: "sync ops/s ≥ 0.5 × ceiling, every transport",
      ratios,
      met: r.every((x) => x !== null && x >= 0.5),
    });
  }

  // 2. Loopback, batch 1: websocket ≥ 2× rest, at each in-flight setting.
  for (const storage of storages) {
    const ratios: Record<string, number | null> = {};
    const loop = cells.filter((r) => r.mode === "loopback" && r.batch === 1 && storageText(r) === storage);
    for (const ws of loop.filter((r) => r.transport === "websocket")) {
      const rest = loop.find((r) => r.transport === "rest" && r.in_flight === ws.in_flight);
      if (rest && rest.ops_per_s > 0) ratios[`in-flight ${ws.in_flight}`] = ws.ops_per_s / rest.ops_per_s;
    }
    const r = Object.values(ratios);
    if (r.length === 0) continue;
    out.push({
      name: `loopback batch 1 websocket vs rest, ${storage}`,
      target: "websocket ops/s ≥ 2 × rest ops/s",
      ratios,
      met: r.every((x) => x !== null && x >= 2),
    });
  }
  return out;
}
