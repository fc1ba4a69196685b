import type Database from "better-sqlite3";
import { AgentRun } from "../agent/runner.ts";
import { agentSteps } from "../agent/script.ts";
import { a2aError } from "../protocol/errors.ts";
import { eventKey, isTerminal, type A2AMessage, type TaskEvent, type TaskState, type TaskView } from "../protocol/model.ts";
import type { A2AServerPorts, AgentSink } from "../protocol/ports.ts";
import { REFERENCE_CORE_PARTS, type CoreParts } from "./core-parts.ts";
import { createCoreSchema } from "./schema.ts";

interface EventRow {
  task_id: string;
  seq: number;
  turn: number;
  kind: string;
  state: string | null;
  artifact_id: string | null;
  chunk: number | null;
  text: string | null;
}

interface TaskRow {
  id: string;
  context_id: string;
  state: TaskState;
  turn: number;
  last_seq: number;
}

export type Deliver = (seq: number, event: TaskEvent) => void;

export interface Subscription {
  close(): void;
}

/** What a send did: the task it names, whether this arrival created it, and where its own events begin. */
export interface Accepted {
  taskId: string;
  created: boolean;
  /** The stream of this message starts after this sequence number. */
  afterSeq: number;
}

function toEvent(row: EventRow): TaskEvent {
  return row.kind === "status"
    ? { kind: "status", taskId: row.task_id, state: row.state as TaskState }
    : { kind: "artifact", taskId: row.task_id, artifactId: row.artifact_id!, chunk: row.chunk!, text: row.text! };
}

/**
 * The hardened A2A server core, shared by the hardened JSON-RPC binding and the
 * capnweb binding. Three things the SDK does not do:
 * - a send whose `messageId` was seen names the task its first arrival made;
 * - every task event is committed to a per-task log before it is delivered;
 * - a subscription resumes after a sequence number, with no gap or repeat.
 * On start it resumes every task an agent was working on when the process died.
 */
export class HardenedCore {
  readonly #db: Database.Database;
  readonly #ports: A2AServerPorts;
  readonly #parts: CoreParts;
  readonly #runs = new Map<string, AgentRun>();
  readonly #subs = new Map<string, Set<Deliver>>();
  #stopped = false;

  constructor(ports: A2AServerPorts, parts: Partial<CoreParts> = {}) {
    this.#ports = ports;
    this.#db = ports.db;
    this.#parts = { ...REFERENCE_CORE_PARTS, ...parts };
    createCoreSchema(this.#db);
    this.#recover();
  }

  /** SendMessage: a new task, a follow-up on one waiting for input, or a retry of either. */
  send(message: A2AMessage): Accepted {
    if (!message.messageId || typeof message.text !== "string") throw a2aError("invalid_request", "message needs messageId and text");
    const accepted = this.#db.transaction((): Accepted & { turn: number } => {
      const seen = this.#parts.dedupes
        ? (this.#db.prepare("SELECT task_id, turn, after_seq FROM a2a_messages WHERE message_id = ? ORDER BY rowid LIMIT 1").get(message.messageId) as { task_id: string; turn: number; after_seq: number } | undefined)
        : undefined;
      if (seen) return { taskId: seen.task_id, created: false, afterSeq: seen.after_seq, turn: -1 };
      if (message.taskId) {
        const task = this.#task(message.taskId);
        if (!task) throw a2aError("task_not_found", `no task ${message.taskId}`);
        if (isTerminal(task.state)) throw a2aError("task_terminal", `task ${task.id} is ${task.state}`);
        if (task.state !== "input-required") throw a2aError("invalid_request", `task ${task.id} is ${task.state}, not waiting for input`);
        const turn = task.turn + 1;
        this.#db.prepare("UPDATE a2a_tasks SET turn = ? WHERE id = ?").run(turn, task.id);
        this.#db.prepare("INSERT INTO a2a_messages (message_id, task_id, turn, text, after_seq) VALUES (?, ?, ?, ?, ?)").run(message.messageId, task.id, turn, message.text, task.last_seq);
        return { taskId: task.id, created: false, afterSeq: task.last_seq, turn };
      }
      const taskId = this.#ports.ids.next("task");
      const contextId = message.contextId ?? this.#ports.ids.next("ctx");
      this.#db.prepare("INSERT INTO a2a_tasks (id, context_id, state, turn, last_seq) VALUES (?, ?, 'submitted', 0, 0)").run(taskId, contextId);
      this.#db.prepare("INSERT INTO a2a_messages (message_id, task_id, turn, text, after_seq) VALUES (?, ?, 0, ?, 0)").run(message.messageId, taskId, message.text);
      this.#ports.agentEmitted(taskId, "status:submitted");
      this.#insert(taskId, 0, { kind: "status", taskId, state: "submitted" });
      return { taskId, created: true, afterSeq: 0, turn: 0 };
    })();
    if (accepted.turn >= 0) {
      // Delivered after the commit, like every other event; then the agent starts on this turn.
      this.#deliverLogged(accepted.taskId, accepted.afterSeq);
      this.#start(accepted.taskId, message.messageId, message.text, accepted.turn, 0);
    }
    return { taskId: accepted.taskId, created: accepted.created, afterSeq: accepted.afterSeq };
  }

  /** Events after `afterSeq`, replayed from the log, then live ones as they commit. */
  subscribe(taskId: string, afterSeq: number, deliver: Deliver): Subscription {
    if (!this.#task(taskId)) throw a2aError("task_not_found", `no task ${taskId}`);
    const rows = this.#db.prepare("SELECT * FROM a2a_events WHERE task_id = ? AND seq >= ? ORDER BY seq").all(taskId, this.#parts.resumeFrom(afterSeq)) as EventRow[];
    for (const row of rows) deliver(row.seq, toEvent(row));
    const subs = this.#subs.get(taskId) ?? this.#subs.set(taskId, new Set()).get(taskId)!;
    subs.add(deliver);
    return { close: () => subs.delete(deliver) };
  }

  /** The task as stored, and the sequence number it reflects. */
  snapshot(taskId: string): { task: TaskView; seq: number } {
    const task = this.#task(taskId);
    if (!task) throw a2aError("task_not_found", `no task ${taskId}`);
    return { task: this.#view(task), seq: task.last_seq };
  }

  cancel(taskId: string): TaskView {
    const task = this.#task(taskId);
    if (!task) throw a2aError("task_not_found", `no task ${taskId}`);
    if (isTerminal(task.state)) throw a2aError("task_terminal", `task ${taskId} is ${task.state}`);
    this.#ports.agentEmitted(taskId, "status:canceled");
    this.#append(task, { kind: "status", taskId, state: "canceled" });
    return this.snapshot(taskId).task;
  }

  tasks(): TaskView[] {
    return (this.#db.prepare("SELECT * FROM a2a_tasks ORDER BY rowid").all() as TaskRow[]).map((t) => this.#view(t));
  }

  running(): string[] {
    return [...this.#runs.entries()].filter(([, run]) => run.running).map(([id]) => id);
  }

  /** The process died: agents stop, nobody is told anything more. */
  stop(): void {
    this.#stopped = true;
    for (const run of this.#runs.values()) run.stop();
    this.#runs.clear();
    this.#subs.clear();
  }

  #task(taskId: string): TaskRow | undefined {
    return this.#db.prepare("SELECT * FROM a2a_tasks WHERE id = ?").get(taskId) as TaskRow | undefined;
  }

  #view(task: TaskRow): TaskView {
    const history = (this.#db.prepare("SELECT message_id FROM a2a_messages WHERE task_id = ? ORDER BY turn, rowid").all(task.id) as { message_id: string }[]).map((m) => m.message_id);
    const artifacts: TaskView["artifacts"] = [];
    for (const row of this.#db.prepare("SELECT artifact_id, text FROM a2a_events WHERE task_id = ? AND kind = 'artifact' ORDER BY seq").all(task.id) as { artifact_id: string; text: string }[]) {
      let artifact = artifacts.find((a) => a.artifactId === row.artifact_id);
      if (!artifact) artifacts.push((artifact = { artifactId: row.artifact_id, chunks: [] }));
      artifact.chunks.push(row.text);
    }
    return { id: task.id, contextId: task.context_id, state: task.state, history, artifacts };
  }

  /** Commits one event with the next sequence number; the task's state follows its status events. */
  #insert(taskId: string, turn: number, event: TaskEvent): number {
    const seq = (this.#task(taskId)?.last_seq ?? 0) + 1;
    this.#db
      .prepare("INSERT INTO a2a_events (task_id, seq, turn, kind, state, artifact_id, chunk, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .run(taskId, seq, turn, event.kind, event.kind === "status" ? event.state : null, event.kind === "artifact" ? event.artifactId : null, event.kind === "artifact" ? event.chunk : null, event.kind === "artifact" ? event.text : null);
    if (event.kind === "status") this.#db.prepare("UPDATE a2a_tasks SET last_seq = ?, state = ? WHERE id = ?").run(seq, event.state, taskId);
    else this.#db.prepare("UPDATE a2a_tasks SET last_seq = ? WHERE id = ?").run(seq, taskId);
    return seq;
  }

  /** Saves an event the task admitted (from its agent, or a cancel) and delivers it, in the order the parts say. */
  #append(task: TaskRow, event: TaskEvent): void {
    const taskId = task.id;
    let seq = 0;
    this.#parts.persistThenDeliver(
      () => {
        if (this.#stopped) return;
        seq = this.#db.transaction(() => this.#insert(taskId, task.turn, event))();
      },
      () => {
        if (this.#stopped) return;
        const at = seq || (this.#task(taskId)?.last_seq ?? 0) + 1;
        for (const deliver of [...(this.#subs.get(taskId) ?? [])]) deliver(at, event);
      },
      (fn, delay_ms) => this.#ports.clock.setTimer(delay_ms, fn),
    );
  }

  #deliverLogged(taskId: string, afterSeq: number): void {
    const rows = this.#db.prepare("SELECT * FROM a2a_events WHERE task_id = ? AND seq > ? ORDER BY seq").all(taskId, afterSeq) as EventRow[];
    for (const row of rows) for (const deliver of [...(this.#subs.get(taskId) ?? [])]) deliver(row.seq, toEvent(row));
  }

  /** Runs the agent on one turn of a task, from step `from` on. */
  #start(taskId: string, messageId: string, text: string, turn: number, from: number): void {
    const sink: AgentSink = {
      status: (id, state) => this.#fromAgent(id, { kind: "status", taskId: id, state }),
      artifact: (id, artifactId, chunk, chunkText) => this.#fromAgent(id, { kind: "artifact", taskId: id, artifactId, chunk, text: chunkText }),
    };
    this.#runs.get(taskId)?.stop();
    const run = new AgentRun(this.#ports.clock, sink, taskId, agentSteps(messageId, text, turn), this.#ports.step_ms, from, () => {
      if (this.#runs.get(taskId) === run) this.#runs.delete(taskId);
    });
    this.#runs.set(taskId, run);
  }

  #fromAgent(taskId: string, event: TaskEvent): void {
    // A task that finished meanwhile (a cancel) takes nothing more: its run ends here, having produced nothing.
    const task = this.#task(taskId);
    if (!task || !this.#parts.admits(task.state, event)) {
      this.#runs.get(taskId)?.stop();
      return;
    }
    this.#ports.agentEmitted(taskId, eventKey(event));
    this.#append(task, event);
  }

  /** After a restart: every task an agent was on resumes where its log ends. */
  #recover(): void {
    // A follow-up accepted just before the crash left its task in input-required with a turn that has no event yet.
    const open = this.#db
      .prepare("SELECT * FROM a2a_tasks t WHERE state IN ('submitted', 'working') OR (state = 'input-required' AND NOT EXISTS (SELECT 1 FROM a2a_events e WHERE e.task_id = t.id AND e.turn = t.turn)) ORDER BY rowid")
      .all() as TaskRow[];
    for (const task of open) {
      const message = this.#db.prepare("SELECT message_id, text FROM a2a_messages WHERE task_id = ? AND turn = ? ORDER BY rowid DESC LIMIT 1").get(task.id, task.turn) as { message_id: string; text: string } | undefined;
      if (!message) continue;
      const done = (this.#db.prepare("SELECT COUNT(*) AS n FROM a2a_events WHERE task_id = ? AND turn = ? AND NOT (kind = 'status' AND state = 'submitted')").get(task.id, task.turn) as { n: number }).n;
      this.#start(task.id, message.message_id, message.text, task.turn, done);
    }
  }
}
