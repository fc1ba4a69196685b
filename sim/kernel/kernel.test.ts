import { describe, expect, it } from "vitest";
import type { Random } from "../../protocol/ports.ts";
import { drawChance, drawInt, drawPick, drawWeighted } from "./draw.ts";
import { EventQueue } from "./event-queue.ts";
import { RandomStreams, SeededRandom, streamWords } from "./prng.ts";
import { Incarnation, Scheduler } from "./scheduler.ts";
import { settle } from "./settle.ts";

// The kernel: event order, virtual time, dead processes, seeded streams, and
// the settling that makes "between events, everything finishes" true.

/** Runs every queued event in order, advancing the clock as the world's run loop does. */
function drain(scheduler: Scheduler, until = Infinity): void {
  for (;;) {
    const event = scheduler.queue.pop();
    if (!event) return;
    if (event.time > until) throw new Error("test bug: event past the horizon");
    scheduler.advanceTo(event.time);
    event.run();
  }
}

function draws(random: Random, n: number): number[] {
  return Array.from({ length: n }, () => random.next());
}

/** A Random that replays fixed values. */
function fixed(...values: number[]): Random {
  let i = 0;
  return { next: () => values[i++ % values.length]! };
}

describe("EventQueue", () => {
  it("pops by time, then by insertion order", () => {
    const queue = new EventQueue();
    const seen: string[] = [];
    const times = [30, 10, 20, 10, 0, 30, 20, 10, 5, 0];
    times.forEach((t, i) => queue.push(t, () => seen.push(`${t}:${i}`)));
    expect(queue.size).toBe(times.length);
    for (let e = queue.pop(); e; e = queue.pop()) e.run();
    expect(seen).toEqual(["0:4", "0:9", "5:8", "10:1", "10:3", "10:7", "20:2", "20:6", "30:0", "30:5"]);
    expect(queue.size).toBe(0);
  });

  it("keeps insertion order among many equal times (a heap is not stable by itself)", () => {
    const queue = new EventQueue();
    const order: number[] = [];
    for (let i = 0; i < 200; i++) queue.push(i % 3 === 0 ? 1 : 2, () => order.push(i));
    for (let e = queue.pop(); e; e = queue.pop()) e.run();
    const expected = [...Array.from({ length: 200 }, (_, i) => i).filter((i) => i % 3 === 0), ...Array.from({ length: 200 }, (_, i) => i).filter((i) => i % 3 !== 0)];
    expect(order).toEqual(expected);
  });

  it("skips cancelled events, wherever they sit in the heap", () => {
    const queue = new EventQueue();
    const events = [5, 1, 4, 2, 3].map((t) => queue.push(t, () => {}));
    events[1]!.cancelled = true; // t=1, the top
    events[2]!.cancelled = true; // t=4, inside
    const popped: number[] = [];
    for (let e = queue.pop(); e; e = queue.pop()) popped.push(e.time);
    expect(popped).toEqual([2, 3, 5]);
    expect(queue.pop()).toBeUndefined();
  });

  it("returns undefined when only cancelled events are left", () => {
    const queue = new EventQueue();
    queue.push(1, () => {}).cancelled = true;
    queue.push(2, () => {}).cancelled = true;
    expect(queue.pop()).toBeUndefined();
    expect(queue.size).toBe(0);
  });
});

describe("Scheduler", () => {
  it("runs timers in virtual time order and never moves the clock backwards", () => {
    const scheduler = new Scheduler();
    const seen: [string, number][] = [];
    scheduler.after(100, () => seen.push(["a", scheduler.now]));
    scheduler.after(50, () => {
      seen.push(["b", scheduler.now]);
      scheduler.after(10, () => seen.push(["c", scheduler.now]));
      // "At" a time already past runs now, not in the past.
      scheduler.at(0, () => seen.push(["d", scheduler.now]));
      scheduler.after(-20, () => seen.push(["e", scheduler.now]));
    });
    drain(scheduler);
    expect(seen).toEqual([
      ["b", 50],
      ["d", 50],
      ["e", 50],
      ["c", 60],
      ["a", 100],
    ]);
    expect(scheduler.now).toBe(100);
  });

  it("refuses to advance to an earlier time", () => {
    const scheduler = new Scheduler();
    scheduler.advanceTo(10);
    expect(() => scheduler.advanceTo(9)).toThrow(/backwards/);
    expect(scheduler.now).toBe(10);
    scheduler.advanceTo(10);
    expect(scheduler.now).toBe(10);
  });

  it("cancels a timer through its handle", () => {
    const scheduler = new Scheduler();
    const fired: string[] = [];
    const handle = scheduler.after(10, () => fired.push("cancelled"));
    scheduler.after(20, () => fired.push("kept"));
    handle.cancel();
    drain(scheduler);
    expect(fired).toEqual(["kept"]);
  });

  it("never fires a timer of a dead incarnation, through `after` or its clock", () => {
    const scheduler = new Scheduler();
    const first = new Incarnation("client-1", 1);
    const second = new Incarnation("client-1", 2);
    const fired: string[] = [];
    scheduler.after(10, () => fired.push("first/after"), first);
    scheduler.clockFor(first).setTimer(20, () => fired.push("first/clock"));
    scheduler.clockFor(second).setTimer(30, () => fired.push("second/clock"));
    scheduler.after(5, () => {
      first.alive = false;
    });
    drain(scheduler);
    expect(fired).toEqual(["second/clock"]);
    expect(scheduler.now).toBe(30);
  });

  it("gives a process a clock that reads virtual time", () => {
    const scheduler = new Scheduler();
    const clock = scheduler.clockFor(new Incarnation("server", 1));
    const seen: number[] = [];
    clock.setTimer(250, () => seen.push(clock.now()));
    expect(clock.now()).toBe(0);
    drain(scheduler);
    expect(seen).toEqual([250]);
  });

  it("routes a throwing timer callback to onUncaught with its owner, and keeps running", () => {
    const scheduler = new Scheduler();
    const owner = new Incarnation("client-2", 3);
    const caught: [Incarnation, unknown][] = [];
    scheduler.onUncaught = (who, error) => caught.push([who, error]);
    const boom = new Error("boom");
    const fired: string[] = [];
    scheduler.clockFor(owner).setTimer(10, () => {
      throw boom;
    });
    scheduler.after(20, () => fired.push("later"));
    drain(scheduler);
    expect(caught).toEqual([[owner, boom]]);
    expect(caught[0]![0]).toBe(owner);
    expect(fired).toEqual(["later"]);
  });

  it("by default lets an uncaught timer error escape (a process dies loudly)", () => {
    const scheduler = new Scheduler();
    scheduler.clockFor(new Incarnation("server", 1)).setTimer(1, () => {
      throw new Error("unhandled");
    });
    expect(() => drain(scheduler)).toThrow("unhandled");
  });

  it("sleep resolves at the virtual time it asked for", async () => {
    const scheduler = new Scheduler();
    let woke: number | null = null;
    void scheduler.sleep(400).then(() => (woke = scheduler.now));
    drain(scheduler);
    await Promise.resolve();
    expect(woke).toBe(400);
  });
});

describe("SeededRandom and RandomStreams", () => {
  it("gives the same sequence for the same seed and name", () => {
    expect(draws(new RandomStreams(7).stream("workload"), 50)).toEqual(draws(new RandomStreams(7).stream("workload"), 50));
    expect(draws(new SeededRandom(streamWords(7, "faults")), 20)).toEqual(draws(new RandomStreams(7).stream("faults"), 20));
  });

  it("gives different sequences for different names and different seeds", () => {
    const a = draws(new RandomStreams(7).stream("workload"), 20);
    expect(draws(new RandomStreams(7).stream("network"), 20)).not.toEqual(a);
    expect(draws(new RandomStreams(8).stream("workload"), 20)).not.toEqual(a);
    expect(streamWords(7, "client-1")).not.toEqual(streamWords(7, "client-2"));
  });

  it("draws uniformly enough in [0, 1)", () => {
    const values = draws(new RandomStreams(1).stream("x"), 10_000);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    expect(new Set(values).size).toBeGreaterThan(9_990);
  });

  it("returns the same stream object for a name, and drawing from one stream does not shift another", () => {
    const quiet = new RandomStreams(42);
    const busy = new RandomStreams(42);
    expect(busy.stream("workload")).toBe(busy.stream("workload"));
    draws(busy.stream("faults"), 1000);
    draws(busy.stream("network"), 17);
    expect(draws(busy.stream("workload"), 30)).toEqual(draws(quiet.stream("workload"), 30));
    // ...also when the other stream was created first and is drawn in between.
    const interleaved: number[] = [];
    for (let i = 0; i < 30; i++) {
      busy.stream("faults").next();
      interleaved.push(busy.stream("client-1").next());
    }
    expect(interleaved).toEqual(draws(quiet.stream("client-1"), 30));
  });
});

describe("draw helpers", () => {
  it("drawInt covers [lo, hi] with both ends inclusive", () => {
    expect(drawInt(fixed(0), 3, 7)).toBe(3);
    expect(drawInt(fixed(0.9999999999), 3, 7)).toBe(7);
    expect(drawInt(fixed(0.5), 5, 5)).toBe(5);
    const random = new RandomStreams(3).stream("ints");
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const n = drawInt(random, -2, 2);
      expect(Number.isInteger(n)).toBe(true);
      seen.add(n);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2]);
  });

  it("drawWeighted never picks a zero or negative weight and follows the weights", () => {
    const random = new RandomStreams(5).stream("weights");
    const counts = { never: 0, a: 0, also_never: 0, b: 0, negative: 0 };
    for (let i = 0; i < 4000; i++) counts[drawWeighted(random, { never: 0, a: 1, also_never: 0, b: 3, negative: -5 })]++;
    expect(counts.never + counts.also_never + counts.negative).toBe(0);
    expect(counts.b / counts.a).toBeGreaterThan(2.5);
    expect(counts.b / counts.a).toBeLessThan(3.5);
    // At the extremes of the roll, the zero-weight neighbours are still skipped.
    expect(drawWeighted(fixed(0), { zero: 0, one: 1, two: 0 })).toBe("one");
    expect(drawWeighted(fixed(0.9999999999), { zero: 0, one: 1, two: 0 })).toBe("one");
  });

  it("drawWeighted with no positive weight returns the first key", () => {
    expect(drawWeighted(fixed(0.5), { first: 0, second: 0 })).toBe("first");
  });

  it("drawChance(…, 0) draws nothing from the stream; a positive chance draws once", () => {
    const used = new RandomStreams(9).stream("chance");
    const fresh = new RandomStreams(9).stream("chance");
    for (let i = 0; i < 5; i++) expect(drawChance(used, 0)).toBe(false);
    expect(used.next()).toBe(fresh.next());

    const once = new RandomStreams(9).stream("chance");
    const reference = new RandomStreams(9).stream("chance");
    drawChance(once, 0.5);
    reference.next();
    expect(once.next()).toBe(reference.next());
  });

  it("drawChance(…, 1) is always true and follows the draw", () => {
    expect(drawChance(fixed(0.9999), 1)).toBe(true);
    expect(drawChance(fixed(0.3), 0.25)).toBe(false);
    expect(drawChance(fixed(0.2), 0.25)).toBe(true);
  });

  it("drawPick picks every item, and only items", () => {
    const random = new RandomStreams(11).stream("pick");
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) seen.add(drawPick(random, ["x", "y", "z"]));
    expect([...seen].sort()).toEqual(["x", "y", "z"]);
    expect(drawPick(fixed(0.9999999999), ["x", "y", "z"])).toBe("z");
  });
});

describe("settle", () => {
  /** A chain of `depth` setImmediate hops, each followed by promise continuations. */
  function chain(depth: number, log: number[]): void {
    setImmediate(() => {
      void Promise.resolve()
        .then(() => Promise.resolve())
        .then(() => {
          log.push(depth);
          if (depth > 1) chain(depth - 1, log);
        });
    });
  }

  it("waits for a chain of nested setImmediate + promise continuations to finish", async () => {
    const log: number[] = [];
    chain(5, log);
    await settle();
    expect(log).toEqual([5, 4, 3, 2, 1]);
  });

  it("(control) one check phase alone would not have been enough", async () => {
    const log: number[] = [];
    chain(5, log);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(log.length).toBeLessThan(5);
    await settle();
    expect(log).toEqual([5, 4, 3, 2, 1]);
  });

  it("also waits for immediates scheduled from a microtask started before it", async () => {
    const log: string[] = [];
    void Promise.resolve().then(() =>
      setImmediate(() => {
        log.push("first");
        setImmediate(() => queueMicrotask(() => log.push("second")));
      }),
    );
    await settle();
    expect(log).toEqual(["first", "second"]);
  });

  it("resolves when nothing is pending", async () => {
    await expect(settle()).resolves.toBeUndefined();
  });
});
