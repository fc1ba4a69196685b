import { fileURLToPath } from "node:url";
import { builtEntry, ensureBuilt } from "../../build/fresh.mjs";
import { type Child, startChild } from "./children.ts";

const READY_MS = 15_000;
const STOP_MS = 5_000;

/** The harness's handle on one incarnation of a client or viewer process. */
export interface ReadyChild<Ready> {
  readonly pid: number;
  /** What it said once it was ready. */
  readonly ready: Ready;
  readonly exited: Child["exited"];
  /** Asks it to stop and close its database, then exit; SIGKILL if it has not within 5 s. */
  stop(): Promise<void>;
  kill(): void;
  /** Tells it something, if it is still there to hear. */
  tell(message: { type: string } & Record<string, unknown>): void;
}

/** Forks a built entry and waits (15 s at most) for its `ready` message; `onMessage` sees every message, that one included. */
export async function startReadyChild<M extends { type: string }, Ready extends M>(
  entry: string,
  name: string,
  config: unknown,
  onMessage: (m: M) => void,
  options: { stderr?: (line: string) => void } = {},
): Promise<ReadyChild<Ready>> {
  ensureBuilt();
  const child = startChild(fileURLToPath(builtEntry(entry)), config, options);
  child.process.on("message", onMessage);
  let timer: NodeJS.Timeout | undefined;
  const ready = await Promise.race([
    new Promise<Ready>((resolve) => child.process.on("message", (m: M) => m.type === "ready" && resolve(m as Ready))),
    child.exited.then(({ code, signal }) => Promise.reject(new Error(`${name} ended before it was ready (${signal ?? `exit ${code}`})`))),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        child.kill();
        reject(new Error(`${name} was not ready within ${READY_MS} ms`));
      }, READY_MS);
    }),
  ]).finally(() => clearTimeout(timer));
  return {
    pid: child.pid,
    ready,
    exited: child.exited,
    async stop() {
      if (child.process.connected) child.process.send({ type: "stop" });
      const late = setTimeout(() => child.kill(), STOP_MS);
      await child.exited;
      clearTimeout(late);
    },
    kill: () => child.kill(),
    tell: (message) => void (child.process.connected && child.process.send(message)),
  };
}
