import { errorCode } from "../../protocol/errors.ts";
import type { Op, OpBody } from "../../protocol/ops.ts";
import { CrashSignal } from "../kernel/crash-signal.ts";
import type { Scheduler } from "../kernel/scheduler.ts";
import type { History } from "../history/history.ts";
import type { ClientNode } from "../nodes/client-node.ts";
import type { WorkloadStep } from "./agent-session.ts";

/** How long the agent waits before it tries an op again after the disk was full. */
const DISK_FULL_RETRY_MS = 250;

/** What the agent saw of one enqueue: it returned an op, or the process died inside it. */
export type EnqueueOutcome = { op: Op } | { interrupted: OpBody } | { refused: string };

/**
 * Feeds one client's workload into its `enqueue`, step by step in virtual
 * time. While the client is down the agent is down too: the next op waits for
 * the restart. An op whose enqueue died with the process is gone, as in life.
 */
export class WorkloadDriver {
  readonly #node: ClientNode;
  readonly #steps: Iterator<WorkloadStep>;
  readonly #scheduler: Scheduler;
  readonly #history: History;
  readonly #onEnqueued: (node: string, outcome: EnqueueOutcome) => void;
  readonly #onDone: () => void;
  done = false;

  constructor(
    node: ClientNode,
    steps: Iterator<WorkloadStep>,
    scheduler: Scheduler,
    history: History,
    onEnqueued: (node: string, outcome: EnqueueOutcome) => void,
    onDone: () => void,
  ) {
    this.#node = node;
    this.#steps = steps;
    this.#scheduler = scheduler;
    this.#history = history;
    this.#onEnqueued = onEnqueued;
    this.#onDone = onDone;
  }

  start(): void {
    this.#scheduleNext();
  }

  #scheduleNext(): void {
    const next = this.#steps.next();
    if (next.done) {
      this.done = true;
      this.#onDone();
      return;
    }
    const { body, gap_ms } = next.value;
    this.#scheduler.after(gap_ms, () => this.#node.whenUp(() => this.#enqueue(body)));
  }

  #enqueue(body: OpBody): void {
    const node = this.#node;
    let outcome: EnqueueOutcome;
    try {
      outcome = { op: node.client.enqueue(body) };
    } catch (error) {
      const t = this.#scheduler.now;
      if (!(error instanceof CrashSignal)) {
        const code = errorCode(error) ?? "unknown";
        this.#history.record(t, node.name, "enqueue_refused", { kind: body.kind, code, message: (error as Error).message });
        this.#onEnqueued(node.name, { refused: code });
        // A full disk passes: the agent keeps the op and tries again, as a person would.
        if (code === "disk_full") this.#scheduler.after(DISK_FULL_RETRY_MS, () => node.whenUp(() => this.#enqueue(body)));
        else this.#scheduleNext();
        return;
      }
      this.#history.record(t, node.name, "enqueue_interrupted", { kind: body.kind });
      outcome = { interrupted: body };
    }
    this.#onEnqueued(node.name, outcome);
    this.#scheduleNext();
  }
}
