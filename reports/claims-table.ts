import type { ClaimVerdict } from "../sim/claims/conformance.ts";

// The conformance report for people: one line a claim, what happened to it,
// and for a broken one the command that replays it.

const MARK = { held: "✓ held", broken: "✗ broken", "not exercised": "· not exercised" } as const;

export function claimsConsole(verdicts: readonly ClaimVerdict[], subject: string): string[] {
  const held = verdicts.filter((v) => v.status === "held").length;
  const broken = verdicts.filter((v) => v.status === "broken").length;
  const out = [`claims (docs/claims.md) for ${subject}: ${held} held, ${broken} broken, ${verdicts.length - held - broken} not exercised`];
  const width = Math.max(...verdicts.map((v) => MARK[v.status].length));
  for (const v of verdicts) {
    out.push(`  ${MARK[v.status].padEnd(width)}  #${v.id.padEnd(3)} ${v.claim}${v.status === "held" ? ` (${v.exercised_in} run${v.exercised_in === 1 ? "" : "s"})` : ""}`);
    if (v.broken_by) {
      out.push(`  ${"".padEnd(width)}        ${v.broken_by.checker}/${v.broken_by.anomaly}: ${v.broken_by.message}`);
      out.push(`  ${"".padEnd(width)}        replay: ${v.broken_by.repro}${v.broken_by.timeline ? `  timeline: ${v.broken_by.timeline}` : ""}`);
    }
  }
  return out;
}

/** The same as a Markdown table, for a CI summary or a closing note. */
export function claimsMarkdown(verdicts: readonly ClaimVerdict[]): string[] {
  return [
    "| # | claim | verdict | evidence |",
    "| --- | --- | --- | --- |",
    ...verdicts.map((v) => `| ${v.id} | ${v.claim} | ${v.status} | ${v.broken_by ? `${v.broken_by.checker}/${v.broken_by.anomaly}, seed ${v.broken_by.seed} ${v.broken_by.transport}: \`${v.broken_by.repro}\`` : v.status === "held" ? `${v.exercised_in} runs` : "-"} |`),
  ];
}
