import type { A2ACheckerName, Violation } from "../../checker-names.ts";
import type { A2ARecord } from "../record.ts";
import { crashDurable } from "./crash-durable.ts";
import { historyOnce } from "./history-once.ts";
import { oneTaskPerSend } from "./one-task-per-send.ts";
import { replayMatchesGet } from "./replay-matches-get.ts";
import { streamGapFree } from "./stream-gap-free.ts";
import { terminalFinal } from "./terminal-final.ts";

/** An A2A checker: a pure function of the run record. */
export type A2AChecker = (record: A2ARecord) => Violation[];

/** The A2A checkers, in the order of A2A_CHECKERS. */
export const A2A_CHECKER_FNS: Readonly<Record<A2ACheckerName, A2AChecker>> = {
  "one-task-per-send": oneTaskPerSend,
  "history-once": historyOnce,
  "stream-gap-free": streamGapFree,
  "replay-matches-get": replayMatchesGet,
  "terminal-final": terminalFinal,
  "crash-durable": crashDurable,
};

/** Runs every A2A checker; violations come in checker order, then by time. */
export function checkA2A(record: A2ARecord): Violation[] {
  const out: Violation[] = [];
  for (const check of Object.values(A2A_CHECKER_FNS)) {
    out.push(...check(record).sort((a, b) => (a.t_ms ?? Infinity) - (b.t_ms ?? Infinity)));
  }
  return out;
}

export type { A2ARecord } from "../record.ts";
export type { Violation } from "../../checker-names.ts";
export { A2A_CHECKERS } from "../../checker-names.ts";
