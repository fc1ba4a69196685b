import { readFileSync } from "node:fs";
import type { z } from "zod";
import { scenarioSchema, type Scenario, type ScenarioFile, type TransportName } from "./schema.ts";

export class ScenarioError extends Error {
  readonly code = "bad_scenario";
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map((k) => (typeof k === "number" ? `[${k}]` : `.${String(k)}`)).join("").replace(/^\./, "");
  return `${path || "(root)"}: ${issue.message}`;
}

/** Validates scenario data; the error names the bad field. */
export function parseScenario(value: unknown, source = "scenario"): ScenarioFile {
  const result = scenarioSchema.safeParse(value);
  if (!result.success) {
    const lines = result.error.issues.slice(0, 5).map(describeIssue);
    throw new ScenarioError(`${source}: ${lines.join("; ")}`);
  }
  return result.data;
}

export function loadScenarioFile(path: string): ScenarioFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ScenarioError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ScenarioError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  return parseScenario(json, path);
}

/** The transports a scenario file is meant for, in order. */
export function scenarioTransports(file: ScenarioFile): TransportName[] {
  if (file.transports) return [...file.transports];
  return [file.transport ?? "websocket"];
}

/** Picks one transport: the override, else the file's own, else its first listed. */
export function resolveScenario(file: ScenarioFile, transport?: TransportName): Scenario {
  const { transport: own, transports, ...rest } = file;
  const chosen = transport ?? own ?? transports?.[0] ?? "websocket";
  const reader = file.clients.findIndex((c) => c.scope === "read");
  if (chosen === "rest" && reader !== -1) {
    throw new ScenarioError(`clients[${reader}].scope: "read" needs a capnweb transport; REST has no read-only capability`);
  }
  return { ...rest, transport: chosen };
}
