// A deterministic agent, the way an LLM agent behaves on the wire: for each
// message it moves the task to working, streams an answer in chunks, and then
// either completes or asks for more input. What it does is written in the
// message itself (`plan:<chunks>:<ask|done>`), so a resumed run after a crash
// does exactly what the first would have done.

export type AgentStep = { kind: "status"; state: "working" | "input-required" | "completed" } | { kind: "artifact"; artifactId: string; chunk: number; text: string };

export interface AgentPlan {
  chunks: number;
  /** Ask for input after the first turn instead of completing. */
  ask: boolean;
}

export function planText(label: string, plan: AgentPlan): string {
  return `${label} plan:${plan.chunks}:${plan.ask ? "ask" : "done"}`;
}

export function parsePlan(text: string): AgentPlan {
  const m = /plan:(\d{1,3}):(ask|done)/.exec(text);
  return m ? { chunks: Number(m[1]), ask: m[2] === "ask" } : { chunks: 1, ask: false };
}

/** The steps of one turn: `turn` 0 answers the first message, 1 a follow-up. */
export function agentSteps(messageId: string, text: string, turn: number): AgentStep[] {
  const plan = parsePlan(text);
  const artifactId = `answer-${turn + 1}`;
  const steps: AgentStep[] = [{ kind: "status", state: "working" }];
  for (let chunk = 1; chunk <= plan.chunks; chunk++) steps.push({ kind: "artifact", artifactId, chunk, text: `${messageId}#${chunk} ` });
  steps.push({ kind: "status", state: plan.ask && turn === 0 ? "input-required" : "completed" });
  return steps;
}
