import { describe, expect, it } from "vitest";
import { Scheduler } from "../kernel/scheduler.ts";
import { Reachability } from "./reachability.ts";

// Partition and stall windows, driven by popping the scheduler's events by hand.

/** Lets every pending promise continuation run (one trip through the check phase). */
function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Runs scheduler events up to and including `time`, then lets continuations run. */
async function runUntil(scheduler: Scheduler, time: number): Promise<void> {
  await flush();
  for (;;) {
    const event = scheduler.queue.pop();
    if (!event) break;
    if (event.time > time) {
      // Put it back: a fresh push keeps the same time (its order is later, which is fine for one event).
      scheduler.at(event.time, event.run);
      break;
    }
    scheduler.advanceTo(event.time);
    event.run();
    await flush();
  }
  if (scheduler.now < time) scheduler.advanceTo(time);
  await flush();
}

/** Tracks when a promise settles, in virtual time. */
function watch(scheduler: Scheduler, promise: Promise<void>): { at: number | null } {
  const state = { at: null as number | null };
  void promise.then(() => (state.at = scheduler.now));
  return state;
}

function world() {
  const scheduler = new Scheduler();
  return { scheduler, reach: new Reachability(scheduler) };
}

describe("Reachability", () => {
  it("with no window, everything is passable at once", async () => {
    const { scheduler, reach } = world();
    expect(reach.partitioned("client-1")).toBe(false);
    expect(reach.held("client-1")).toBe(false);
    const traffic = watch(scheduler, reach.passable("client-1"));
    const connect = watch(scheduler, reach.passable("client-1", true));
    await flush();
    expect(traffic.at).toBe(0);
    expect(connect.at).toBe(0);
  });

  it("a partition holds traffic and new connections of its node until the window ends", async () => {
    const { scheduler, reach } = world();
    await runUntil(scheduler, 100);
    reach.open("partition", "client-1", 500);
    expect(reach.partitioned("client-1")).toBe(true);
    expect(reach.held("client-1")).toBe(true);
    const traffic = watch(scheduler, reach.passable("client-1"));
    const connect = watch(scheduler, reach.passable("client-1", true));
    const other = watch(scheduler, reach.passable("client-2", true));
    await runUntil(scheduler, 599);
    expect(traffic.at).toBeNull();
    expect(connect.at).toBeNull();
    expect(other.at).toBe(100);
    expect(reach.partitioned("client-2")).toBe(false);
    await runUntil(scheduler, 600);
    expect(traffic.at).toBe(600);
    expect(connect.at).toBe(600);
    expect(reach.partitioned("client-1")).toBe(false);
    expect(reach.held("client-1")).toBe(false);
  });

  it("a stall holds traffic but not connections", async () => {
    const { scheduler, reach } = world();
    reach.open("stall", "client-2", 300);
    expect(reach.held("client-2")).toBe(true);
    expect(reach.partitioned("client-2")).toBe(false);
    const traffic = watch(scheduler, reach.passable("client-2"));
    const connect = watch(scheduler, reach.passable("client-2", true));
    await runUntil(scheduler, 299);
    expect(connect.at).toBe(0);
    expect(traffic.at).toBeNull();
    await runUntil(scheduler, 300);
    expect(traffic.at).toBe(300);
    expect(reach.held("client-2")).toBe(false);
  });

  it('"all" covers every node, the server included', async () => {
    const { scheduler, reach } = world();
    reach.open("partition", "all", 200);
    for (const node of ["client-1", "client-2", "client-9", "server"]) {
      expect(reach.partitioned(node)).toBe(true);
      expect(reach.held(node)).toBe(true);
    }
    const waits = ["client-1", "client-3", "server"].map((node) => watch(scheduler, reach.passable(node, true)));
    await runUntil(scheduler, 199);
    expect(waits.map((w) => w.at)).toEqual([null, null, null]);
    await runUntil(scheduler, 200);
    expect(waits.map((w) => w.at)).toEqual([200, 200, 200]);
  });

  it("transitionToLiveness releases every waiter at once, before the windows would have ended", async () => {
    const { scheduler, reach } = world();
    reach.open("partition", "client-1", 10_000);
    reach.open("stall", "client-2", 10_000);
    reach.open("partition", "all", 10_000);
    const waits = [watch(scheduler, reach.passable("client-1")), watch(scheduler, reach.passable("client-2")), watch(scheduler, reach.passable("server", true))];
    await runUntil(scheduler, 2_000);
    expect(waits.map((w) => w.at)).toEqual([null, null, null]);
    reach.transitionToLiveness();
    await flush();
    expect(waits.map((w) => w.at)).toEqual([2_000, 2_000, 2_000]);
    expect(["client-1", "client-2", "server"].map((n) => reach.held(n))).toEqual([false, false, false]);
  });

  it("a healed window's scheduled end does not close a newer window", async () => {
    const { scheduler, reach } = world();
    reach.open("partition", "client-1", 1_000);
    reach.transitionToLiveness();
    await runUntil(scheduler, 500);
    reach.open("partition", "client-1", 1_000); // ends at 1500
    const connect = watch(scheduler, reach.passable("client-1", true));
    await runUntil(scheduler, 1_000); // the first window's end fires here
    expect(reach.partitioned("client-1")).toBe(true);
    expect(connect.at).toBeNull();
    await runUntil(scheduler, 1_500);
    expect(connect.at).toBe(1_500);
  });

  it("waits through overlapping windows until none is left", async () => {
    const { scheduler, reach } = world();
    reach.open("partition", "client-1", 100);
    reach.open("stall", "client-1", 400);
    reach.open("partition", "all", 250);
    const traffic = watch(scheduler, reach.passable("client-1"));
    const connect = watch(scheduler, reach.passable("client-1", true));
    await runUntil(scheduler, 100);
    expect([traffic.at, connect.at]).toEqual([null, null]);
    await runUntil(scheduler, 250);
    expect([traffic.at, connect.at]).toEqual([null, 250]);
    await runUntil(scheduler, 400);
    expect(traffic.at).toBe(400);
  });
});
