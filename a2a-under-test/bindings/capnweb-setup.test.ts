import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { PushTransport } from "../../protocol/message-transport.ts";
import type { Clock, TimerHandle } from "../../protocol/ports.ts";
import { capnwebClient } from "../clients/capnweb-client.ts";
import { codeOf } from "../protocol/errors.ts";
import type { StreamItem, TaskEvent } from "../protocol/model.ts";
import type { A2AClient, A2AServer } from "../protocol/ports.ts";
import { CAPNWEB_BINDING, RESUME_EXTENSION, capnwebServer } from "./capnweb-server.ts";

// Setup 3 end to end: the capnweb client against the capnweb server over an
// in-memory WebSocket, on a manual clock.

const STEP_MS = 10;
const DEADLINE_MS = 1_000;
const BASE = "http://a2a.replaysim.test";

/** Timers fire only when a test advances time; microtasks (the links' frames) run between them. */
class ManualClock implements Clock {
  #t = 0;
  #order = 0;
  #timers: { at: number; order: number; fn: () => void; cancelled: boolean }[] = [];

  now(): number {
    return this.#t;
  }

  setTimer(delay_ms: number, fn: () => void): TimerHandle {
    const timer = { at: this.#t + delay_ms, order: this.#order++, fn, cancelled: false };
    this.#timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  async advance(ms: number): Promise<void> {
    const end = this.#t + ms;
    for (;;) {
      await settle();
      const due = this.#timers.filter((t) => !t.cancelled && t.at <= end).sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (!due) break;
      this.#timers.splice(this.#timers.indexOf(due), 1);
      this.#t = due.at;
      due.fn();
    }
    this.#t = end;
    await settle();
  }
}

/** Every queued microtask (and the ones they queue) has run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A server process on a database that outlives it, and client WebSockets to whichever process is up. */
function world() {
  const clock = new ManualClock();
  const db = new Database(":memory:");
  let n = 0;
  const ids = { next: (prefix: string) => `${prefix}-${++n}` };
  const emitted: string[] = [];
  const start = () => capnwebServer({ clock, ids, db, step_ms: STEP_MS, agentEmitted: (taskId, key) => emitted.push(`${taskId}:${key}`) });
  const w = {
    clock,
    server: start() as A2AServer,
    opened: 0,
    links: [] as { cut(): void }[],
    /** A WebSocket: each end's sends arrive at the other end in a later microtask; closing either end closes both. */
    openWebSocket() {
      w.opened++;
      let down = false;
      const cut = () => {
        if (down) return;
        down = true;
        clientEnd.fail();
        serverEnd.fail();
      };
      const clientEnd: PushTransport = new PushTransport((frame) => queueMicrotask(() => serverEnd.deliver(frame)), cut);
      const serverEnd: PushTransport = new PushTransport((frame) => queueMicrotask(() => clientEnd.deliver(frame)), cut);
      w.links.push({ cut });
      w.server.acceptWebSocket!(serverEnd);
      return clientEnd;
    },
    client(): A2AClient {
      return capnwebClient({ clock, baseUrl: BASE, fetch: (input, init) => w.server.fetch(new Request(input, init)), headers: { "x-client": "c1" }, openWebSocket: () => w.openWebSocket(), deadline_ms: DEADLINE_MS });
    },
    /** The process dies and a new one starts over the same database. */
    restart() {
      w.server.stop();
      w.server = start();
    },
    emitted,
  };
  return w;
}

/** A stream and what it has received so far. */
function collect() {
  const items: StreamItem[] = [];
  return {
    items,
    onItem: (item: StreamItem) => items.push(item),
    seqs: () => items.map((i) => i.seq),
    keys: () => items.map((i) => (i.kind === "event" ? key(i.event) : "snapshot")),
  };
}

function key(event: TaskEvent): string {
  return event.kind === "status" ? event.state : `${event.artifactId}#${event.chunk}`;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

describe("capnweb setup", () => {
  it("streams a send from submitted to completed with increasing seq, and getTask agrees", async () => {
    const w = world();
    const client = w.client();
    const s = collect();
    const stream = client.sendStream({ messageId: "m1", text: "hi plan:3:done" }, s.onItem);
    await w.clock.advance(10 * STEP_MS);
    const end = await stream;
    expect(end.ended).toBe("terminal");
    expect(s.keys()).toEqual(["submitted", "working", "answer-1#1", "answer-1#2", "answer-1#3", "completed"]);
    expect(s.seqs()).toEqual([1, 2, 3, 4, 5, 6]);
    const task = await client.getTask(end.taskId!);
    expect(task).toMatchObject({ id: end.taskId, state: "completed", history: ["m1"], artifacts: [{ artifactId: "answer-1", chunks: ["m1#1 ", "m1#2 ", "m1#3 "] }] });
    expect(await w.server.storedTasks()).toEqual([task]);
    expect(w.opened).toBe(1);
    client.close();
  });

  it("a retried send names the same task and creates no second one", async () => {
    const w = world();
    const client = w.client();
    const first = collect();
    const a = client.sendStream({ messageId: "m1", text: "plan:2:done" }, first.onItem);
    await w.clock.advance(STEP_MS);
    const again = collect();
    // The retry while the first still runs: it is told the same events, from the same start.
    const b = client.sendStream({ messageId: "m1", text: "plan:2:done" }, again.onItem);
    await w.clock.advance(10 * STEP_MS);
    const [endA, endB] = await Promise.all([a, b]);
    expect(endB.taskId).toBe(endA.taskId);
    expect(again.keys()).toEqual(first.keys());
    expect(again.seqs()).toEqual(first.seqs());
    // And after it completed: a replay of the log up to completed.
    const late = collect();
    expect((await Promise.all([client.sendStream({ messageId: "m1", text: "plan:2:done" }, late.onItem), w.clock.advance(0)]))[0]).toEqual({ taskId: endA.taskId, ended: "terminal" });
    expect(late.seqs()).toEqual(first.seqs());
    expect(await w.server.storedTasks()).toHaveLength(1);
    client.close();
  });

  it("plan:2:ask ends input-required; a follow-up with taskId completes it", async () => {
    const w = world();
    const client = w.client();
    const s = collect();
    const first = client.sendStream({ messageId: "m1", text: "plan:2:ask" }, s.onItem);
    await w.clock.advance(10 * STEP_MS);
    const end = await first;
    expect(end.ended).toBe("interrupted");
    expect(s.keys()).toEqual(["submitted", "working", "answer-1#1", "answer-1#2", "input-required"]);
    const f = collect();
    const followUp = client.sendStream({ messageId: "m2", text: "more", taskId: end.taskId! }, f.onItem);
    await w.clock.advance(10 * STEP_MS);
    expect(await followUp).toEqual({ taskId: end.taskId, ended: "terminal" });
    // The follow-up's stream starts after the input-required it answers.
    expect(f.keys()).toEqual(["working", "answer-2#1", "completed"]);
    expect(f.seqs()).toEqual([6, 7, 8]);
    expect(await client.getTask(end.taskId!)).toMatchObject({ state: "completed", history: ["m1", "m2"] });
    client.close();
  });

  it("a cut connection rejects the stream with network; resuming after the last seq on a new connection delivers exactly the rest", async () => {
    const w = world();
    const client = w.client();
    const s = collect();
    const stream = client.sendStream({ messageId: "m1", text: "plan:5:done" }, s.onItem);
    await w.clock.advance(2 * STEP_MS + 5);
    expect(s.seqs()).toEqual([1, 2, 3]);
    w.links[0]!.cut();
    expect(codeOf(await rejection(stream))).toBe("network");
    const taskId = (s.items[0] as { event: TaskEvent }).event.taskId;
    await w.clock.advance(2 * STEP_MS);
    const rest = collect();
    const resumed = client.subscribe(taskId, 3, rest.onItem);
    await w.clock.advance(10 * STEP_MS);
    expect(await resumed).toEqual({ taskId, ended: "terminal" });
    expect(w.opened).toBe(2);
    expect(rest.seqs()).toEqual([4, 5, 6, 7, 8]);
    expect([...s.keys(), ...rest.keys()]).toEqual(["submitted", "working", "answer-1#1", "answer-1#2", "answer-1#3", "answer-1#4", "answer-1#5", "completed"]);
    client.close();
  });

  it("after a crash the task resumes from its log and completes", async () => {
    const w = world();
    const client = w.client();
    const s = collect();
    const stream = client.sendStream({ messageId: "m1", text: "plan:4:done" }, s.onItem);
    await w.clock.advance(2 * STEP_MS + 5);
    w.restart();
    // The dead process's sessions went with it.
    expect(codeOf(await rejection(stream))).toBe("network");
    const last = s.items.at(-1)!.seq!;
    const taskId = (s.items[0] as { event: TaskEvent }).event.taskId;
    expect(w.server.runningTasks()).toEqual([taskId]);
    const rest = collect();
    const resumed = client.subscribe(taskId, last, rest.onItem);
    await w.clock.advance(10 * STEP_MS);
    expect(await resumed).toEqual({ taskId, ended: "terminal" });
    expect([...s.seqs(), ...rest.seqs()]).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await client.getTask(taskId)).toMatchObject({ state: "completed", artifacts: [{ chunks: ["m1#1 ", "m1#2 ", "m1#3 ", "m1#4 "] }] });
    // The resumed agent did not redo what the first one committed.
    expect(w.emitted.filter((e) => e.endsWith("answer-1:1"))).toHaveLength(1);
    client.close();
  });

  it("cancel ends the stream; a later send to the task fails with task_terminal", async () => {
    const w = world();
    const client = w.client();
    const s = collect();
    const stream = client.sendStream({ messageId: "m1", text: "plan:5:ask" }, s.onItem);
    await w.clock.advance(2 * STEP_MS + 5);
    const taskId = (s.items[0] as { event: TaskEvent }).event.taskId;
    const canceled = client.cancel(taskId);
    await w.clock.advance(0);
    expect(await canceled).toMatchObject({ id: taskId, state: "canceled" });
    expect(await stream).toEqual({ taskId, ended: "terminal" });
    expect(s.keys().at(-1)).toBe("canceled");
    await w.clock.advance(10 * STEP_MS);
    expect(w.server.runningTasks()).toEqual([]);
    expect((await client.getTask(taskId)).state).toBe("canceled");
    const late = client.sendStream({ messageId: "m2", text: "more", taskId }, () => {});
    expect(codeOf(await rejection(late))).toBe("task_terminal");
    expect(codeOf(await rejection(client.cancel(taskId)))).toBe("task_terminal");
    // An answer is not a transport failure: the session is still the first one.
    expect(w.opened).toBe(1);
    client.close();
  });

  it("keeps error codes across the wire, and a subscribe to a finished task ends at once", async () => {
    const w = world();
    const client = w.client();
    expect(codeOf(await rejection(client.getTask("nope")))).toBe("task_not_found");
    expect(codeOf(await rejection(client.subscribe("nope", 0, () => {})))).toBe("task_not_found");
    const done = client.sendStream({ messageId: "m1", text: "plan:1:done" }, () => {});
    await w.clock.advance(10 * STEP_MS);
    const { taskId } = await done;
    const s = collect();
    expect(await client.subscribe(taskId!, 4, s.onItem)).toEqual({ taskId, ended: "terminal" });
    expect(s.items).toEqual([]);
    client.close();
  });

  it("a call without an answer fails with network at its deadline, and the next call opens a new session", async () => {
    const w = world();
    let silent = true;
    const client = capnwebClient({
      clock: w.clock,
      baseUrl: BASE,
      fetch: (input, init) => w.server.fetch(new Request(input, init)),
      headers: {},
      // The first socket leads nowhere: frames sent on it are lost.
      openWebSocket: () => (silent ? ((silent = false), new PushTransport(() => {})) : w.openWebSocket()),
      deadline_ms: DEADLINE_MS,
    });
    const lost = client.getTask("t");
    await w.clock.advance(DEADLINE_MS - 1);
    let settled = false;
    void lost.catch(() => (settled = true));
    await w.clock.advance(0);
    expect(settled).toBe(false);
    await w.clock.advance(1);
    expect(codeOf(await rejection(lost))).toBe("network");
    expect(codeOf(await rejection(client.getTask("t")))).toBe("task_not_found");
    client.close();
  });

  it("serves the agent card and the non-streaming calls over HTTP batch", async () => {
    const w = world();
    const card = (await (await w.server.fetch(new Request(`${BASE}/.well-known/agent-card.json`))).json()) as {
      supportedInterfaces: { url: string; protocolBinding: string }[];
      capabilities: { extensions: { uri: string }[] };
    };
    expect(card.supportedInterfaces).toEqual([
      expect.objectContaining({ url: "ws://a2a.replaysim.test/a2a/capnweb", protocolBinding: CAPNWEB_BINDING }),
      expect.objectContaining({ url: "http://a2a.replaysim.test/a2a/capnweb", protocolBinding: CAPNWEB_BINDING }),
    ]);
    expect(card.capabilities.extensions.map((e) => e.uri)).toContain(RESUME_EXTENSION);

    const ws = w.client();
    const stream = ws.sendStream({ messageId: "m1", text: "plan:1:done" }, () => {});
    await w.clock.advance(10 * STEP_MS);
    const { taskId } = await stream;
    const batch = capnwebClient({ clock: w.clock, baseUrl: BASE, fetch: (input, init) => w.server.fetch(new Request(input, init)), headers: {}, deadline_ms: DEADLINE_MS });
    expect(await batch.getTask(taskId!)).toMatchObject({ id: taskId, state: "completed" });
    expect(codeOf(await rejection(batch.cancel(taskId!)))).toBe("task_terminal");
    expect(codeOf(await rejection(batch.getTask("nope")))).toBe("task_not_found");
    ws.close();
  });
});
