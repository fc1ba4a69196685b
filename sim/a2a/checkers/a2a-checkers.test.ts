import { describe, expect, it } from "vitest";
import type { StreamItem, TaskState, TaskView } from "../../../a2a-under-test/protocol/model.ts";
import type { A2ARecord, SendAttempt, StreamSession } from "../record.ts";
import { crashDurable } from "./crash-durable.ts";
import { historyOnce } from "./history-once.ts";
import { A2A_CHECKER_FNS, A2A_CHECKERS, checkA2A, type A2AChecker } from "./index.ts";
import { oneTaskPerSend } from "./one-task-per-send.ts";
import { replayMatchesGet } from "./replay-matches-get.ts";
import { streamGapFree } from "./stream-gap-free.ts";
import { terminalFinal } from "./terminal-final.ts";

// Each A2A checker must accept a clean hand-made record and fail a tiny one
// that has exactly the anomaly it is about.

// --- a tiny record builder ---------------------------------------------------

/** An event item from a ground-truth key (`status:working`, `artifact:answer-1:2`); chunk texts follow the agent script. */
function ev(key: string, task = "t1", messageId = "m1", seq: number | null = null): StreamItem {
  const [kind, a, b] = key.split(":");
  if (kind === "status") return { kind: "event", event: { kind: "status", taskId: task, state: a as TaskState }, seq };
  return { kind: "event", event: { kind: "artifact", taskId: task, artifactId: a!, chunk: Number(b), text: `${messageId}#${b} ` }, seq };
}

function view(state: TaskState, chunks: Record<string, number> = {}, history = ["m1"], id = "t1", messageIds: Record<string, string> = {}): TaskView {
  return {
    id,
    contextId: "ctx",
    state,
    history,
    artifacts: Object.entries(chunks).map(([artifactId, n]) => ({ artifactId, chunks: Array.from({ length: n }, (_, i) => `${messageIds[artifactId] ?? "m1"}#${i + 1} `) })),
  };
}

const snap = (task: TaskView, seq: number | null = null): StreamItem => ({ kind: "snapshot", task, seq });

function session(items: StreamItem[], ended: StreamSession["ended"] = "terminal", over: Partial<StreamSession> = {}): StreamSession {
  const opened_t = over.opened_t ?? 5;
  return { node: "c1", incarnation: 0, kind: "send", task: "t1", opened_t, after_seq: null, items: items.map((item, i) => ({ t: opened_t + 1 + i * 10, item })), ended, ...over };
}

function send(over: Partial<SendAttempt> = {}): SendAttempt {
  return { t: 5, node: "c1", messageId: "m1", to_task: null, retry: false, named: "t1", code: null, to_terminal: false, ...over };
}

const KEYS = ["status:submitted", "status:working", "artifact:answer-1:1", "artifact:answer-1:2", "status:completed"];
const emitted = (keys: string[]) => keys.map((key, i) => ({ t: 10 + i * 10, key }));

/** One client, one task t1: sent m1, streamed every event to the end, read the task back. */
function clean(over: Partial<A2ARecord> = {}): A2ARecord {
  const final = view("completed", { "answer-1": 2 });
  return {
    setup: "hardened",
    end_t: 1000,
    healed_at: 500,
    emitted: { t1: emitted(KEYS) },
    sends: [send()],
    sessions: [session(KEYS.map((k, i) => ev(k, "t1", "m1", i + 1)))],
    gets: [{ t: 600, node: "c1", task: "t1", view: final, code: null }],
    store: [final],
    running: [],
    recovered: [],
    server_crashes: [],
    ...over,
  };
}

/** A task that asks for input, gets a follow-up, and completes; the client's first stream breaks and it resubscribes (snapshot, then live events). */
function followUp(): A2ARecord {
  const keys = ["status:submitted", "status:working", "artifact:answer-1:1", "artifact:answer-1:2", "status:input-required", "status:working", "artifact:answer-2:1", "status:completed"];
  const ids = { "answer-1": "m1", "answer-2": "m2" };
  const final = view("completed", { "answer-1": 2, "answer-2": 1 }, ["m1", "m2"], "t1", ids);
  return clean({
    setup: "sdk",
    emitted: { t1: emitted(keys) },
    sends: [send(), send({ t: 200, messageId: "m2", to_task: "t1" })],
    sessions: [
      session([ev("status:submitted"), ev("status:working"), ev("artifact:answer-1:1")], "network"),
      session([snap(view("working", { "answer-1": 1 })), ev("artifact:answer-1:2"), ev("status:input-required")], "interrupted", { kind: "subscribe", opened_t: 100 }),
      session([ev("status:working"), ev("artifact:answer-2:1", "t1", "m2"), ev("status:completed")], "terminal", { opened_t: 200 }),
    ],
    gets: [{ t: 600, node: "c1", task: "t1", view: final, code: null }],
    store: [final],
  });
}

function expectOnly(violations: ReturnType<A2AChecker>, checker: string, anomaly: string): void {
  expect(violations.length).toBeGreaterThan(0);
  expect(violations.length).toBeLessThanOrEqual(20);
  for (const v of violations) {
    expect(v.checker).toBe(checker);
    expect(v.anomaly).toBe(anomaly);
    expect(v.message.length).toBeGreaterThan(0);
    expect(v.message).not.toContain("\n");
  }
}

// --- the checkers -------------------------------------------------------------

describe("A2A checkers", () => {
  it("lists the checkers in the order of A2A_CHECKERS", () => {
    expect(Object.keys(A2A_CHECKER_FNS)).toEqual([...A2A_CHECKERS]);
  });

  it("accept clean records", () => {
    expect(checkA2A(clean())).toEqual([]);
    expect(checkA2A(followUp())).toEqual([]);
  });

  describe("one-task-per-send", () => {
    it("finds a message that made two tasks", () => {
      const r = clean({ store: [view("completed", { "answer-1": 2 }), view("completed", { "answer-1": 2 }, ["m1"], "t2")] });
      const vs = oneTaskPerSend(r);
      expectOnly(vs, "one-task-per-send", "duplicate_task");
      expect(vs[0]!.witness).toMatchObject({ messageId: "m1", tasks: ["t1", "t2"] });
    });
    it("finds retries answered with different tasks", () => {
      const vs = oneTaskPerSend(clean({ sends: [send(), send({ t: 50, retry: true, named: "t2" })] }));
      expectOnly(vs, "one-task-per-send", "reply_names_other_task");
      expect(vs[0]!.t_ms).toBe(50);
    });
  });

  describe("history-once", () => {
    it("finds a message twice in one history", () => {
      const twice = view("completed", { "answer-1": 2 }, ["m1", "m1"]);
      const vs = historyOnce(clean({ store: [twice], gets: [{ t: 600, node: "c1", task: "t1", view: twice, code: null }] }));
      expectOnly(vs, "history-once", "repeated_message");
      expect(vs).toHaveLength(1);
      expect(vs[0]!.witness).toMatchObject({ task: "t1", messageId: "m1" });
    });
  });

  describe("stream-gap-free", () => {
    it("places a snapshot at the point the server had reached, not at a later point that looks the same", () => {
      // working with two chunks is both event 4 and event 6 (after input-required, working again); at t=45 only 4 existed.
      const keys = ["status:submitted", "status:working", "artifact:answer-1:1", "artifact:answer-1:2", "status:input-required", "status:working", "artifact:answer-2:1", "status:completed"];
      const record = clean({
        setup: "sdk",
        emitted: { t1: emitted(keys) },
        sessions: [
          session([ev("status:submitted"), ev("status:working"), ev("artifact:answer-1:1")], "network", { opened_t: 5 }),
          { ...session([], "interrupted", { kind: "subscribe", opened_t: 44 }), items: [{ t: 45, item: snap(view("working", { "answer-1": 2 })) }, { t: 55, item: ev("status:input-required") }] },
        ],
      });
      expect(streamGapFree(record)).toEqual([]);
    });

    const withItems = (items: StreamItem[], ended: StreamSession["ended"] = "terminal") => clean({ sessions: [session(items, ended)] });
    it("finds a repeated event", () => {
      const items = KEYS.map((k) => ev(k));
      items.splice(3, 0, ev("artifact:answer-1:1"));
      expectOnly(streamGapFree(withItems(items)), "stream-gap-free", "repeat");
    });
    it("finds a gap", () => {
      const vs = streamGapFree(withItems(KEYS.filter((k) => k !== "artifact:answer-1:1").map((k) => ev(k))));
      expectOnly(vs, "stream-gap-free", "gap");
      expect(vs[0]!.witness).toMatchObject({ node: "c1", task: "t1", missing: ["artifact:answer-1:1"] });
    });
    it("finds a snapshot no prefix makes", () => {
      const r = clean({ sessions: [session(KEYS.map((k) => ev(k))), session([snap(view("completed", { "answer-1": 5 }))], "terminal", { kind: "subscribe", opened_t: 300 })] });
      expectOnly(streamGapFree(r), "stream-gap-free", "foreign_snapshot");
    });
    it("finds a snapshot older than what the client had", () => {
      const items = [...KEYS.slice(0, 4).map((k) => ev(k)), snap(view("working", { "answer-1": 1 })), ev("status:completed")];
      expectOnly(streamGapFree(withItems(items)), "stream-gap-free", "rewind");
    });
    it("finds an event the server never emitted", () => {
      expectOnly(streamGapFree(withItems([...KEYS.slice(0, 4).map((k) => ev(k)), ev("artifact:answer-1:9"), ev("status:completed")])), "stream-gap-free", "foreign_event");
    });
    it("finds a stream that ended terminal short of the end", () => {
      const vs = streamGapFree(withItems(KEYS.slice(0, 4).map((k) => ev(k))));
      expectOnly(vs, "stream-gap-free", "missing_end");
      expect(vs[0]!.witness).toMatchObject({ reached: 4, end: 5, missing: ["status:completed"] });
      // A stream that broke is not expected to have reached the end.
      expect(streamGapFree(withItems(KEYS.slice(0, 4).map((k) => ev(k)), "network"))).toEqual([]);
    });
    it("carries a client's progress across a restart", () => {
      const r = clean({
        sessions: [
          session(KEYS.slice(0, 3).map((k) => ev(k)), "crashed"),
          session(KEYS.slice(3).map((k) => ev(k)), "terminal", { incarnation: 1, kind: "subscribe", opened_t: 100 }),
        ],
      });
      expect(streamGapFree(r)).toEqual([]);
    });
  });

  describe("replay-matches-get", () => {
    it("finds a client whose streams fold to another task than GetTask", () => {
      const other = view("completed", { "answer-1": 2 });
      other.artifacts[0]!.chunks[1] = "zz#2 ";
      const vs = replayMatchesGet(clean({ gets: [{ t: 600, node: "c1", task: "t1", view: other, code: null }] }));
      expectOnly(vs, "replay-matches-get", "diverged");
      expect(vs[0]!.witness).toMatchObject({ node: "c1", task: "t1", differing: ["artifact answer-1"] });
    });
    it("does not judge a client that stopped following", () => {
      const r = clean({ sessions: [session(KEYS.slice(0, 3).map((k) => ev(k)), "network")] });
      expect(replayMatchesGet(r)).toEqual([]);
    });
    it("accepts merged chunk texts", () => {
      const merged: TaskView = { ...view("completed"), artifacts: [{ artifactId: "answer-1", chunks: ["m1#1 m1#2 "] }] };
      expect(replayMatchesGet(clean({ gets: [{ t: 600, node: "c1", task: "t1", view: merged, code: null }] }))).toEqual([]);
    });
  });

  describe("terminal-final", () => {
    it("finds the server emitting after a terminal status", () => {
      const r = clean({ emitted: { t1: emitted([...KEYS, "artifact:answer-1:3"]) } });
      expectOnly(terminalFinal(r), "terminal-final", "event_after_terminal");
    });
    it("finds a terminal state overwritten in the store", () => {
      expectOnly(terminalFinal(clean({ store: [view("working", { "answer-1": 2 })] })), "terminal-final", "terminal_overwritten");
      const vs = terminalFinal(clean({ store: [view("canceled", { "answer-1": 2 })] }));
      expectOnly(vs, "terminal-final", "terminal_overwritten");
      expect(vs[0]!.witness).toMatchObject({ task: "t1", state: "canceled", terminal: "completed" });
    });
    it("finds a message accepted by a terminal task", () => {
      const r = clean({ sends: [send(), send({ t: 300, messageId: "m2", to_task: "t1", to_terminal: true, named: "t1" })] });
      expectOnly(terminalFinal(r), "terminal-final", "send_to_terminal_accepted");
      expect(terminalFinal(clean({ sends: [send(), send({ t: 300, messageId: "m2", to_task: "t1", to_terminal: true, named: null, code: "invalid_state" })] }))).toEqual([]);
    });
    it("finds a client stream leaving a terminal state", () => {
      const r = clean({ sessions: [session(KEYS.map((k) => ev(k))), session([snap(view("working", { "answer-1": 2 }))], "closed", { kind: "subscribe", opened_t: 300 })] });
      const vs = terminalFinal(r);
      expectOnly(vs, "terminal-final", "event_after_terminal");
      expect(vs[0]!.witness).toMatchObject({ node: "c1", task: "t1", from: "completed", to: "working" });
    });
  });

  describe("crash-durable", () => {
    it("finds a task a client saw that the store lost", () => {
      const vs = crashDurable(clean({ store: [] }));
      expectOnly(vs, "crash-durable", "lost_task");
      expect(vs[0]!.witness).toMatchObject({ task: "t1", node: "c1", seen_state: "completed" });
    });
    it("finds a store behind what a client saw", () => {
      const vs = crashDurable(clean({ store: [view("completed", { "answer-1": 1 })] }));
      expectOnly(vs, "crash-durable", "lost_state");
      expect(vs[0]!.witness).toMatchObject({ artifactId: "answer-1", seen_chunks: 2, store_chunks: 1 });
      const behind = crashDurable(clean({ store: [view("working", { "answer-1": 2 })], running: ["t1"] }));
      expectOnly(behind, "crash-durable", "lost_state");
    });
    it("finds a task nothing runs any more", () => {
      const stuck = view("working", {}, ["m9"], "t9");
      expectOnly(crashDurable(clean({ store: [view("completed", { "answer-1": 2 }), stuck] })), "crash-durable", "orphaned");
      expect(crashDurable(clean({ store: [view("completed", { "answer-1": 2 }), stuck], running: ["t9"] }))).toEqual([]);
    });
  });
});
