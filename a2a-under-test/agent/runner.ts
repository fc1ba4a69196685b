import type { Clock, TimerHandle } from "../../protocol/ports.ts";
import type { AgentSink } from "../protocol/ports.ts";
import type { AgentStep } from "./script.ts";

/**
 * Runs an agent's steps on the injected clock, one every `step_ms`, from
 * `from` on (a run resumed after a crash skips what is already done).
 * `stop` ends it: a cancel, or the process dying.
 */
export class AgentRun {
  readonly taskId: string;
  #timer: TimerHandle | null = null;
  #stopped = false;
  #done = false;

  constructor(
    private readonly clock: Clock,
    private readonly sink: AgentSink,
    taskId: string,
    private readonly steps: readonly AgentStep[],
    private readonly step_ms: number,
    from = 0,
    private readonly onDone: () => void = () => {},
  ) {
    this.taskId = taskId;
    this.#next(from);
  }

  get running(): boolean {
    return !this.#stopped && !this.#done;
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = null;
  }

  #next(i: number): void {
    if (this.#stopped) return;
    if (i >= this.steps.length) {
      this.#done = true;
      this.onDone();
      return;
    }
    this.#timer = this.clock.setTimer(this.step_ms, () => {
      if (this.#stopped) return;
      const step = this.steps[i]!;
      if (step.kind === "status") this.sink.status(this.taskId, step.state);
      else this.sink.artifact(this.taskId, step.artifactId, step.chunk, step.text);
      this.#next(i + 1);
    });
  }
}
