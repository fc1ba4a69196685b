import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { Clock, TimerHandle } from "../../protocol/ports.ts";
import { planText } from "../agent/script.ts";
import { sdkClient } from "../clients/sdk-client.ts";
import type { StreamItem } from "../protocol/model.ts";
import type { A2AClient, A2AServer, A2AServerPorts } from "../protocol/ports.ts";
import { sdkServer } from "./sdk-server.ts";

// The sdk setup end to end in one thread: the SDK client's fetch goes
// straight into the server's Hono app. Time is a manual clock; between two
// timers every pending promise and immediate gets to run, so the SDK's async
// chains (store writes, SSE) settle before the next agent step.

const flush = async () => {
  for (let i = 0; i < 30; i++) await new Promise<void>((r) => setImmediate(r));
};

class ManualClock implements Clock {
  #now = 0;
  #seq = 0;
  #timers: { at: number; seq: number; fn: () => void; live: boolean }[] = [];
  now(): number {
    return this.#now;
  }
  setTimer(delay_ms: number, fn: () => void): TimerHandle {
    const t = { at: this.#now + Math.max(0, delay_ms), seq: this.#seq++, fn, live: true };
    this.#timers.push(t);
    return { cancel: () => void (t.live = false) };
  }
  /** Fires every timer due within `ms`, in order, letting the promises run in between. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      await flush();
      this.#timers = this.#timers.filter((t) => t.live);
      const next = this.#timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      next.live = false;
      this.#now = next.at;
      next.fn();
    }
    this.#now = end;
    await flush();
  }
}

const STEP = 10;
const DEADLINE = 1_000;

function world(db = new Database(":memory:"), clock = new ManualClock()) {
  const emitted: string[] = [];
  const ports: A2AServerPorts = { clock, ids: { next: (p) => `${p}-x` }, db, step_ms: STEP, agentEmitted: (_taskId, key) => emitted.push(key) };
  const server = sdkServer(ports);
  const client = sdkClient({
    clock,
    baseUrl: "http://a2a.replaysim.test",
    fetch: (input, init) => server.fetch(new Request(input, init)),
    headers: { "x-replaysim-node": "client-1" },
    deadline_ms: DEADLINE,
  });
  return { db, clock, server, client, emitted };
}

/** Settles `p` while the clock runs (it fails if `p` is still pending after `ms`). */
async function run<T>(clock: ManualClock, p: Promise<T>, ms = 500): Promise<T> {
  type Outcome = { ok: true; value: T } | { ok: false; error: unknown };
  const box: { outcome: Outcome | null } = { outcome: null };
  p.then(
    (value) => void (box.outcome = { ok: true, value }),
    (error: unknown) => void (box.outcome = { ok: false, error }),
  );
  for (let t = 0; t < ms && !box.outcome; t += STEP) await clock.advance(STEP);
  await flush();
  const o = box.outcome;
  if (!o) throw new Error("still pending");
  if (!o.ok) throw o.error;
  return o.value;
}

const describeItem = (i: StreamItem): string =>
  i.kind === "snapshot" ? `snapshot:${i.task.state}:${i.task.artifacts.map((a) => a.chunks.length).join(",")}` : i.event.kind === "status" ? `status:${i.event.state}` : `artifact:${i.event.artifactId}:${i.event.chunk}`;

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  await expect(p).rejects.toMatchObject({ code });
}

describe("sdk setup (@a2a-js/sdk 1.3 JSON-RPC + SSE, DatabaseTaskStore)", () => {
  it("serves an agent card that points at the JSON-RPC endpoint", async () => {
    const { server } = world();
    const card = (await (await server.fetch(new Request("http://a2a.replaysim.test/.well-known/agent-card.json"))).json()) as {
      capabilities: { streaming: boolean };
      supportedInterfaces: { url: string; protocolBinding: string; protocolVersion: string }[];
    };
    expect(card.capabilities.streaming).toBe(true);
    expect(card.supportedInterfaces).toEqual([expect.objectContaining({ url: "http://a2a.replaysim.test/a2a/jsonrpc", protocolBinding: "JSONRPC", protocolVersion: "1.0" })]);
  });

  it("streams submitted, working, the chunks and completed; getTask agrees", async () => {
    const { clock, client, server, emitted } = world();
    const items: StreamItem[] = [];
    const end = await run(clock, client.sendStream({ messageId: "m1", text: planText("hello", { chunks: 3, ask: false }) }, (i) => items.push(i)));
    expect(end.ended).toBe("terminal");
    expect(items.map(describeItem)).toEqual(["snapshot:submitted:", "status:working", "artifact:answer-1:1", "artifact:answer-1:2", "artifact:answer-1:3", "status:completed"]);
    expect(emitted).toEqual(["status:submitted", "status:working", "artifact:answer-1:1", "artifact:answer-1:2", "artifact:answer-1:3", "status:completed"]);
    const task = await run(clock, client.getTask(end.taskId!));
    expect(task).toEqual({ id: end.taskId, contextId: expect.any(String), state: "completed", history: ["m1"], artifacts: [{ artifactId: "answer-1", chunks: ["m1#1 ", "m1#2 ", "m1#3 "] }] });
    expect(await server.storedTasks()).toEqual([task]);
    expect(server.runningTasks()).toEqual([]);
  });

  it("ends a turn at input-required and completes the task on a follow-up", async () => {
    const { clock, client } = world();
    const first: StreamItem[] = [];
    const end1 = await run(clock, client.sendStream({ messageId: "m1", text: planText("q", { chunks: 2, ask: true }) }, (i) => first.push(i)));
    expect(end1.ended).toBe("interrupted");
    expect(first.map(describeItem).at(-1)).toBe("status:input-required");
    const taskId = end1.taskId!;

    const second: StreamItem[] = [];
    const end2 = await run(clock, client.sendStream({ messageId: "m2", taskId, text: planText("a", { chunks: 1, ask: false }) }, (i) => second.push(i)));
    expect(end2).toEqual({ taskId, ended: "terminal" });
    // SDK 1.3 wants a Task first on every execute: the follow-up starts with the stored task, still input-required.
    expect(second.map(describeItem)).toEqual(["snapshot:input-required:2", "status:working", "artifact:answer-2:1", "status:completed"]);
    const task = await run(clock, client.getTask(taskId));
    expect(task.history).toEqual(["m1", "m2"]);
    expect(task.artifacts).toEqual([
      { artifactId: "answer-1", chunks: ["m1#1 ", "m1#2 "] },
      { artifactId: "answer-2", chunks: ["m2#1 "] },
    ]);
    // A message to a terminal task is refused.
    await expectCode(run(clock, client.sendStream({ messageId: "m3", taskId, text: "x" }, () => {})), "task_terminal");
  });

  it("makes a SECOND task when a send is retried with the same messageId (the SDK does not deduplicate)", async () => {
    const { clock, client, server } = world();
    const text = planText("dup", { chunks: 1, ask: false });
    const a = await run(clock, client.sendStream({ messageId: "same", text }, () => {}));
    const b = await run(clock, client.sendStream({ messageId: "same", text }, () => {}));
    expect(a.taskId).not.toBe(b.taskId);
    const stored = await server.storedTasks();
    expect(stored).toHaveLength(2);
    expect(stored.map((t) => t.history)).toEqual([["same"], ["same"]]);
  });

  it("subscribes to a running task: a snapshot first, then the live events", async () => {
    const { clock, client } = world();
    let taskId: string | null = null;
    const sent = client.sendStream({ messageId: "m1", text: planText("long", { chunks: 5, ask: false }) }, (i) => {
      if (i.kind === "snapshot") taskId = i.task.id;
    });
    await clock.advance(2 * STEP + 1); // working and chunk 1
    expect(taskId).not.toBeNull();
    const items: StreamItem[] = [];
    const end = await run(clock, client.subscribe(taskId!, null, (i) => items.push(i)));
    expect(end).toEqual({ taskId, ended: "terminal" });
    expect(items.map(describeItem)).toEqual(["snapshot:working:1", "artifact:answer-1:2", "artifact:answer-1:3", "artifact:answer-1:4", "artifact:answer-1:5", "status:completed"]);
    expect((await run(clock, sent)).ended).toBe("terminal");
    // No resume after a sequence number, and no subscribing to a terminal task.
    expect(client.resumes).toBe(false);
    await expectCode(client.subscribe(taskId!, 3, () => {}), "invalid_request");
    await expectCode(run(clock, client.subscribe(taskId!, null, () => {})), "task_terminal");
  });

  it("cancels a running task: the stream ends canceled and the run stops", async () => {
    const { clock, client, server, emitted } = world();
    const items: StreamItem[] = [];
    const sent = client.sendStream({ messageId: "m1", text: planText("c", { chunks: 5, ask: false }) }, (i) => items.push(i));
    await clock.advance(2 * STEP + 1);
    const taskId = (items[0] as Extract<StreamItem, { kind: "snapshot" }>).task.id;
    expect(server.runningTasks()).toEqual([taskId]);
    const canceled = await run(clock, client.cancel(taskId));
    expect(canceled.state).toBe("canceled");
    expect(await run(clock, sent)).toEqual({ taskId, ended: "terminal" });
    expect(items.map(describeItem).at(-1)).toBe("status:canceled");
    expect(server.runningTasks()).toEqual([]);
    await clock.advance(10 * STEP);
    expect(emitted.at(-1)).toBe("status:canceled");
    // Cancel again answers the canceled task; a completed task is not cancelable; an unknown one is not found.
    expect((await run(clock, client.cancel(taskId))).state).toBe("canceled");
    const done = await run(clock, client.sendStream({ messageId: "m2", text: planText("d", { chunks: 1, ask: false }) }, () => {}));
    await expectCode(run(clock, client.cancel(done.taskId!)), "task_terminal");
    await expectCode(run(clock, client.getTask("nope")), "task_not_found");
  });

  it("an input-required task: a subscribe gets its snapshot and then waits (the SDK keeps the bus), a cancel ends both", async () => {
    const { clock, client, server } = world();
    const end = await run(clock, client.sendStream({ messageId: "m1", text: planText("q", { chunks: 1, ask: true }) }, () => {}));
    const taskId = end.taskId!;
    const items: StreamItem[] = [];
    const sub = client.subscribe(taskId, null, (i) => items.push(i));
    await clock.advance(5 * STEP);
    expect(items.map(describeItem)).toEqual(["snapshot:input-required:1"]);
    expect(server.runningTasks()).toEqual([]);
    expect((await run(clock, client.cancel(taskId))).state).toBe("canceled");
    expect(await run(clock, sub)).toEqual({ taskId, ended: "terminal" });
    expect(items.map(describeItem)).toEqual(["snapshot:input-required:1", "status:canceled"]);
    // With nothing happening, the idle deadline ends a subscribe to a waiting task as a network failure.
    const again = await run(clock, client.sendStream({ messageId: "m2", text: planText("q", { chunks: 1, ask: true }) }, () => {}));
    await expectCode(run(clock, client.subscribe(again.taskId!, null, () => {}), 2 * DEADLINE), "network");
  });

  it("keeps the tasks across a crash: stop() breaks the stream, a new process over the same db still has them", async () => {
    const db = new Database(":memory:");
    const clock = new ManualClock();
    const w1 = world(db, clock);
    const items: StreamItem[] = [];
    const sent = w1.client.sendStream({ messageId: "m1", text: planText("crash", { chunks: 5, ask: false }) }, (i) => items.push(i));
    const done = await run(clock, w1.client.sendStream({ messageId: "m0", text: planText("ok", { chunks: 1, ask: false }) }, () => {}));
    const taskId = (items[0] as Extract<StreamItem, { kind: "snapshot" }>).task.id;
    w1.server.stop();
    await expectCode(run(clock, sent), "network");
    expect(w1.server.runningTasks()).toEqual([]);

    const w2 = world(db, clock);
    const stored = await w2.server.storedTasks();
    const crashed = stored.find((t) => t.id === taskId)!;
    expect(stored.map((t) => t.id).sort()).toEqual([taskId, done.taskId].sort());
    expect(crashed.state).toBe("working");
    expect(crashed.artifacts[0]!.chunks.length).toBeGreaterThan(0);
    expect(w2.server.runningTasks()).toEqual([]);
    // Nothing resumes the agent: a subscribe gets the snapshot and then the stream just closes (no live bus in the new process).
    const sub: StreamItem[] = [];
    expect(await run(clock, w2.client.subscribe(taskId, null, (i) => sub.push(i)))).toEqual({ taskId, ended: "closed" });
    expect(sub.map(describeItem)).toEqual([`snapshot:working:${crashed.artifacts[0]!.chunks.length}`]);
    expect((await run(clock, w2.client.cancel(taskId))).state).toBe("canceled");
  });

  it("rejects with network when no answer comes within the deadline (on the injected clock)", async () => {
    const clock = new ManualClock();
    let aborted = false;
    const client: A2AClient = sdkClient({
      clock,
      baseUrl: "http://a2a.replaysim.test",
      fetch: (_input, init) =>
        new Promise<Response>((_, reject) => {
          init?.signal?.addEventListener("abort", () => {
            aborted = true;
            reject(new DOMException("aborted", "AbortError"));
          });
        }),
      headers: {},
      deadline_ms: DEADLINE,
    });
    const p = client.getTask("t");
    await expectCode(run(clock, p, 2 * DEADLINE), "network");
    expect(aborted).toBe(true);
    expect(clock.now()).toBeLessThan(DEADLINE + 2 * STEP);
  });

  it("adds the world's headers to every request", async () => {
    const clock = new ManualClock();
    const { server } = world(new Database(":memory:"), clock);
    const seen: string[] = [];
    const client = sdkClient({
      clock,
      baseUrl: "http://a2a.replaysim.test",
      fetch: (input, init) => {
        const request = new Request(input, init);
        seen.push(`${new URL(request.url).pathname} ${request.headers.get("x-replaysim-node")}`);
        return (server as A2AServer).fetch(request);
      },
      headers: { "x-replaysim-node": "client-7" },
      deadline_ms: DEADLINE,
    });
    await expectCode(run(clock, client.getTask("missing")), "task_not_found");
    expect(seen).toEqual(["/.well-known/agent-card.json client-7", "/a2a/jsonrpc client-7"]);
  });
});
