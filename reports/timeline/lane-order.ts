import type { LaneKind } from "./model.ts";

// Which lane each node's events go on, and in what order the lanes stand.

/** Nodes whose events are drawn across every lane. */
export const WORLD_NODES = new Set(["world"]);
/** Nodes whose events are not drawn at all. */
export const SKIPPED_NODES = new Set(["checker"]);
/** Events recorded under a pseudo node that belong on the server's lane. */
const SERVER_ALIASES = new Set(["admin", "all"]);

/** The lane a node's events are drawn on. */
export function laneName(node: string): string {
  return SERVER_ALIASES.has(node) ? "server" : node;
}

export function laneKind(name: string): LaneKind {
  if (name === "server") return "server";
  if (name.startsWith("client-")) return "client";
  if (name.startsWith("viewer-")) return "viewer";
  return "node";
}

/** Lanes: the server, then clients and viewers by number, then anything else by name. */
export function laneOrder(a: string, b: string): number {
  const rank = (n: string) => ["server", "client", "viewer", "node"].indexOf(laneKind(n));
  const num = (n: string) => Number(/-(\d+)$/.exec(n)?.[1] ?? 0);
  return rank(a) - rank(b) || num(a) - num(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** The lanes a history needs, the server's always among them. */
export function lanesOf(history: readonly { node: string }[]): string[] {
  const nodes = [...new Set(history.filter((e) => !WORLD_NODES.has(e.node) && !SKIPPED_NODES.has(e.node)).map((e) => laneName(e.node)))];
  if (!nodes.includes("server")) nodes.push("server");
  return nodes;
}
