import { codeOf } from "../../a2a-under-test/protocol/errors.ts";
import { eventKey, isTerminal, type StreamItem, type TaskState } from "../../a2a-under-test/protocol/model.ts";
import type { A2AClient, StreamEnd } from "../../a2a-under-test/protocol/ports.ts";
import type { Clock, Random } from "../../protocol/ports.ts";
import { drawChance, drawInt } from "../kernel/draw.ts";
import { planText } from "../../a2a-under-test/agent/script.ts";
import type { A2AConfig } from "../scenario/schema.ts";
import type { SendAttempt, StreamSession } from "./record.ts";

// The A2A workload: what an application on top of each setup's client does.
// For each message it sends a streaming message, retries a send whose reply
// never came (same messageId), resubscribes after a broken stream, answers a
// request for input with a follow-up, now and then cancels a task or sends to
// one already finished, and at the end reads every task it knows with GetTask.
// Its memory (which message it is on, which task each message made, the last
// sequence number received) is durable: a crashed client picks up from there.

export interface PlannedMessage {
  id: string;
  text: string;
  followText: string;
  /** Cancel once this many chunks arrived, if set. */
  cancelAfter: number | null;
  /** After the task finished, send it one more message (it must be refused). */
  toTerminal: boolean;
}

export function planMessages(node: string, count: number, cfg: A2AConfig, random: Random): PlannedMessage[] {
  const out: PlannedMessage[] = [];
  for (let i = 1; i <= count; i++) {
    const chunks = drawInt(random, cfg.chunks[0], cfg.chunks[1]);
    const ask = drawChance(random, cfg.ask);
    const cancel = drawChance(random, cfg.cancel);
    const cancelAfter = cancel ? drawInt(random, 0, chunks) : null;
    const toTerminal = drawChance(random, cfg.to_terminal);
    const followChunks = drawInt(random, cfg.chunks[0], cfg.chunks[1]);
    out.push({ id: `${node}-m${i}`, text: planText(`question ${i}`, { chunks, ask }), followText: planText(`more ${i}`, { chunks: followChunks, ask: false }), cancelAfter, toTerminal });
  }
  return out;
}

/** What survives a client crash. */
export class ClientDisk {
  next = 0;
  /** messageId → the task its reply (or first stream item) named. */
  readonly taskOf = new Map<string, string>();
  readonly sent = new Set<string>();
  /** task → the last sequence number received, and its state as last seen. */
  readonly tasks = new Map<string, { lastSeq: number | null; state: TaskState | null }>();
  finished = false;
}

export interface DriverDeps {
  node: string;
  incarnation: number;
  clock: Clock;
  random: Random;
  cfg: A2AConfig;
  messages: readonly PlannedMessage[];
  disk: ClientDisk;
  client: A2AClient;
  /** Resolves once the world healed: then the client reads its tasks back. */
  healed: Promise<void>;
  record: {
    send(attempt: SendAttempt): void;
    reply(messageId: string, task: string | null, code: string | null): void;
    open(session: StreamSession): number;
    item(session: number, item: StreamItem): void;
    ended(session: number, ended: StreamSession["ended"]): void;
    get(task: string, view: import("../../a2a-under-test/protocol/model.ts").TaskView | null, code: string | null): void;
    cancel(task: string, code: string | null): void;
    reached(condition: string): void;
  };
}

type Outcome = { task: string | null; state: TaskState | null };

export class A2ADriver {
  readonly #d: DriverDeps;

  constructor(deps: DriverDeps) {
    this.#d = deps;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.#d.clock.setTimer(ms, resolve));
  }

  #backoff(attempt: number): Promise<void> {
    return this.#sleep(Math.min(2000, 50 * 2 ** attempt) + drawInt(this.#d.random, 0, 50));
  }

  async run(): Promise<void> {
    const d = this.#d;
    while (d.disk.next < d.messages.length) {
      const m = d.messages[d.disk.next]!;
      await this.#sleep(drawInt(d.random, d.cfg.think_ms[0], d.cfg.think_ms[1]));
      const first = await this.#converse(m.id, m.text, null, m.cancelAfter);
      let end = first;
      if (first.task && first.state === "input-required") {
        d.record.reached("a2a.followup");
        end = await this.#converse(`${m.id}-f`, m.followText, first.task, null);
      }
      if (end.task && end.state && isTerminal(end.state) && m.toTerminal) await this.#sendToTerminal(`${m.id}-t`, end.task);
      d.disk.next++;
    }
    await d.healed;
    for (const task of [...d.disk.tasks.keys()].sort()) await this.#readBack(task);
    d.disk.finished = true;
  }

  /** One message to its end: sent (retried while no reply named a task), then followed across broken streams. */
  async #converse(messageId: string, text: string, toTask: string | null, cancelAfter: number | null): Promise<Outcome> {
    const d = this.#d;
    let chunks = 0;
    let cancelled = false;
    const seen = (item: StreamItem) => {
      if (item.kind === "event" && item.event.kind === "artifact") chunks++;
      if (cancelAfter !== null && !cancelled && chunks >= cancelAfter) {
        cancelled = true;
        const task = d.disk.taskOf.get(messageId);
        if (task) this.#cancel(task).catch(() => {});
      }
    };
    for (let attempt = 0; attempt < d.cfg.attempts_max; attempt++) {
      if (attempt > 0) await this.#backoff(attempt);
      const task = d.disk.taskOf.get(messageId) ?? null;
      const known = task ? d.disk.tasks.get(task) : undefined;
      if (task && known?.state && (isTerminal(known.state) || (known.state === "input-required" && d.disk.sent.has(messageId) && toTask === null))) {
        return { task, state: known.state };
      }
      const end = task ? await this.#follow("subscribe", messageId, task, seen) : await this.#follow("send", messageId, null, seen, { text, toTask });
      const now = d.disk.taskOf.get(messageId) ?? null;
      const state = now ? (d.disk.tasks.get(now)?.state ?? null) : null;
      if (end === "done" && now) return { task: now, state };
      if (end === "gone") return { task: now, state };
    }
    const now = d.disk.taskOf.get(messageId) ?? null;
    return { task: now, state: now ? (d.disk.tasks.get(now)?.state ?? null) : null };
  }

  /**
   * One stream: a streaming send or a resubscribe. "done" when it reached a
   * terminal state or input-required, "gone" when there is nothing left to
   * follow, "again" when it broke or went silent.
   */
  async #follow(kind: "send" | "subscribe", messageId: string, task: string | null, seen: (item: StreamItem) => void, send?: { text: string; toTask: string | null }): Promise<"done" | "gone" | "again"> {
    const d = this.#d;
    const known = task ? d.disk.tasks.get(task) : undefined;
    const afterSeq = kind === "subscribe" && d.client.resumes ? (known?.lastSeq ?? 0) : null;
    if (kind === "subscribe") d.record.reached("a2a.resubscribe");
    const session = d.record.open({ node: d.node, incarnation: d.incarnation, kind, task, opened_t: d.clock.now(), after_seq: afterSeq, items: [], ended: "open" });
    let live = true;
    let idle: { cancel(): void } | null = null;
    let wake: (() => void) | null = null;
    const silent = new Promise<"idle">((resolve) => (wake = () => resolve("idle")));
    const arm = () => {
      idle?.cancel();
      idle = d.clock.setTimer(d.cfg.stream_idle_ms, () => wake?.());
    };
    arm();
    const onItem = (item: StreamItem) => {
      if (!live) return;
      arm();
      const id = item.kind === "snapshot" ? item.task.id : item.event.taskId;
      if (!d.disk.taskOf.has(messageId)) d.disk.taskOf.set(messageId, id);
      const state = d.disk.tasks.get(id) ?? { lastSeq: null, state: null };
      if (item.seq !== null) state.lastSeq = Math.max(state.lastSeq ?? 0, item.seq);
      if (item.kind === "snapshot") state.state = item.task.state;
      else if (item.event.kind === "status") state.state = item.event.state;
      d.disk.tasks.set(id, state);
      d.record.item(session, item);
      seen(item);
    };
    let result: StreamEnd | "idle";
    try {
      if (send) {
        const retry = d.disk.sent.has(messageId);
        if (retry) d.record.reached("a2a.send_retried");
        d.disk.sent.add(messageId);
        d.record.send({ t: d.clock.now(), node: d.node, messageId, to_task: send.toTask, retry, named: null, code: null, to_terminal: false });
        result = await Promise.race([d.client.sendStream({ messageId, text: send.text, ...(send.toTask ? { taskId: send.toTask } : {}) }, onItem), silent]);
        if (result !== "idle") d.record.reply(messageId, result.taskId, null);
      } else {
        result = await Promise.race([d.client.subscribe(task!, afterSeq, onItem), silent]);
      }
    } catch (error) {
      live = false;
      (idle as { cancel(): void } | null)?.cancel();
      const code = codeOf(error);
      if (send) d.record.reply(messageId, d.disk.taskOf.get(messageId) ?? null, code);
      d.record.ended(session, "network");
      if (code === "network") return "again";
      if (code === "task_terminal" && task) {
        // It ended while we were away: learn how from GetTask.
        try {
          const view = await d.client.getTask(task);
          const state = d.disk.tasks.get(task) ?? { lastSeq: null, state: null };
          d.disk.tasks.set(task, { ...state, state: view.state });
        } catch {
          return "again";
        }
        return "done";
      }
      return "gone";
    }
    live = false;
    (idle as { cancel(): void } | null)?.cancel();
    if (result === "idle") {
      d.record.ended(session, "closed");
      return "again";
    }
    d.record.ended(session, result.ended);
    if (result.taskId && !d.disk.taskOf.has(messageId)) d.disk.taskOf.set(messageId, result.taskId);
    return result.ended === "closed" ? "again" : "done";
  }

  async #cancel(task: string): Promise<void> {
    const d = this.#d;
    d.record.reached("a2a.cancel");
    try {
      await d.client.cancel(task);
      d.record.cancel(task, null);
    } catch (error) {
      d.record.cancel(task, codeOf(error));
    }
  }

  /** A message to a task the client saw finish: the server must refuse it. */
  async #sendToTerminal(messageId: string, task: string): Promise<void> {
    const d = this.#d;
    d.record.reached("a2a.send_to_terminal");
    d.record.send({ t: d.clock.now(), node: d.node, messageId, to_task: task, retry: false, named: null, code: null, to_terminal: true });
    try {
      const end = await d.client.sendStream({ messageId, text: "one more", taskId: task }, () => {});
      d.record.reply(messageId, end.taskId ?? task, null);
    } catch (error) {
      d.record.reply(messageId, null, codeOf(error));
    }
  }

  async #readBack(task: string): Promise<void> {
    const d = this.#d;
    for (let attempt = 0; attempt < d.cfg.attempts_max; attempt++) {
      if (attempt > 0) await this.#backoff(attempt);
      try {
        d.record.get(task, await d.client.getTask(task), null);
        return;
      } catch (error) {
        const code = codeOf(error);
        if (code !== "network") return d.record.get(task, null, code);
      }
    }
    d.record.get(task, null, "network");
  }
}

export { eventKey };
