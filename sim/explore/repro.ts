/** The exact command line that replays a scenario: a seed with its flags, or a scenario file. */
export function reproCommand(flags: { seed?: number; scenario?: string; transport?: string; profile?: string; mutant?: string | null; variant?: string; run_timeout_ms?: number; check_determinism?: boolean; a2a?: string; impl?: { client?: string; server?: string; viewer?: string } }): string {
  const parts = ["replaysim run"];
  if (flags.seed !== undefined) parts.push(`--seed ${flags.seed}`);
  if (flags.scenario) parts.push(`--scenario ${flags.scenario}`);
  if (flags.a2a) parts.push(`--a2a ${flags.a2a}`);
  else if (flags.transport) parts.push(`--transport ${flags.transport}`);
  if (flags.profile && !flags.scenario) parts.push(`--profile ${flags.profile}`);
  if (flags.mutant) parts.push(`--mutant ${flags.mutant}`);
  if (flags.variant && flags.variant !== "reference") parts.push(`--variant ${flags.variant}`);
  if (flags.impl?.client) parts.push(`--client ${flags.impl.client}`);
  if (flags.impl?.server) parts.push(`--server ${flags.impl.server}`);
  if (flags.impl?.viewer) parts.push(`--viewer ${flags.impl.viewer}`);
  if (flags.check_determinism) parts.push("--check-determinism");
  if (flags.run_timeout_ms !== undefined) parts.push(`--run-timeout ${flags.run_timeout_ms}ms`);
  return parts.join(" ");
}
