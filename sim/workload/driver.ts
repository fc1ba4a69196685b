import { errorCode } from "../../protocol/errors.ts";
import type { OpBody } from "../../protocol/ops.ts";
import { CrashSignal } from "../kernel/crash-signal.ts";
import type { Scheduler } from "../kernel/scheduler.ts";
import type { History } from "../history/history.ts";
import type { ClientNode } from "../nodes/client-node.ts";
import type { WorkloadStep } from "./agent-session.ts";

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
  readonly #onCommitting: (node: string, body: OpBody | undefined) => void;
  readonly #onDone: () => void;
  done = false;

  constructor(
    node: ClientNode,
    steps: Iterator<WorkloadStep>,
    scheduler: Scheduler,
    history: History,
    onCommitting: (node: string, body: OpBody | undefined) => void,
    onDone: () => void,
  ) {
    this.#node = node;
    this.#steps = steps;
    this.#scheduler = scheduler;
    this.#history = history;
    this.#onCommitting = onCommitting;
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
    this.#onCommitting(node.name, body);
    try {
      node.client.enqueue(body);
    } catch (error) {
      const t = this.#scheduler.now;
      if (error instanceof CrashSignal) this.#history.record(t, node.name, "enqueue_interrupted", { kind: body.kind });
      else this.#history.record(t, node.name, "enqueue_refused", { kind: body.kind, code: errorCode(error) ?? "unknown", message: (error as Error).message });
    } finally {
      this.#onCommitting(node.name, undefined);
    }
    this.#scheduleNext();
  }
}
