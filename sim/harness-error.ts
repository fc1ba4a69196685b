import type { Violation } from "./checker-names.ts";

// When the code under test throws into the simulator's own code, the run ends
// with this verdict: the message, a stack short enough to read, and where.

const STACK_LINES_MAX = 8;

/** The first frames of a stack, with this machine's paths made relative. */
export function trimStack(stack: string | undefined, cwd = process.cwd()): string[] {
  if (!stack) return [];
  return stack
    .split("\n")
    .slice(1)
    .map((line) => line.trim().replaceAll(`file://${cwd}/`, "").replaceAll(`${cwd}/`, ""))
    .filter((line) => line.startsWith("at ") && !line.includes("node:internal"))
    .slice(0, STACK_LINES_MAX);
}

export function harnessViolation(error: unknown, where: { seed: number; transport: string; t_ms: number }): Violation {
  const e = error instanceof Error ? error : new Error(String(error));
  const code = (e as { code?: unknown }).code;
  return {
    checker: "harness",
    anomaly: "sut_error",
    message: `the code under test threw into the simulator at ${where.t_ms} ms: ${e.name}: ${e.message}`,
    t_ms: where.t_ms,
    witness: {
      seed: where.seed,
      transport: where.transport,
      error: `${e.name}: ${e.message}`,
      ...(typeof code === "string" ? { code } : {}),
      stack: trimStack(e.stack),
    },
  };
}
