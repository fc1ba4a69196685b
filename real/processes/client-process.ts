import { fileURLToPath } from "node:url";
import { builtEntry, ensureBuilt } from "../../build/fresh.mjs";
import { type Child, startChild } from "./children.ts";
import type { ClientChildConfig, FromClientChild } from "./client-protocol.ts";

const ENTRY = "real/processes/client-entry.ts";
const READY_MS = 15_000;

/** The harness's handle on one incarnation of a real client process. */
export interface ClientProcess {
  readonly pid: number;
  readonly producer: string;
  /** The last op its outbox had committed when this incarnation started. */
  readonly resumed_at: number;
  readonly exited: Child["exited"];
  /** Asks it to stop its loop and close its outbox, then exit; SIGKILL if it has not within 5 s. */
  stop(): Promise<void>;
  kill(): void;
}

/** Starts a client process; `onMessage` sees every message it sends, the `ready` one included. */
export async function startClientProcess(config: ClientChildConfig, onMessage: (m: FromClientChild) => void, options: { stderr?: (line: string) => void } = {}): Promise<ClientProcess> {
  ensureBuilt();
  const child = startChild(fileURLToPath(builtEntry(ENTRY)), config, options);
  child.process.on("message", onMessage);
  let timer: NodeJS.Timeout | undefined;
  const ready = await Promise.race([
    new Promise<Extract<FromClientChild, { type: "ready" }>>((resolve) => child.process.on("message", (m: FromClientChild) => m.type === "ready" && resolve(m))),
    child.exited.then(({ code, signal }) => Promise.reject(new Error(`${config.name} ended before it was ready (${signal ?? `exit ${code}`})`))),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        child.kill();
        reject(new Error(`${config.name} was not ready within ${READY_MS} ms`));
      }, READY_MS);
    }),
  ]).finally(() => clearTimeout(timer));
  return {
    pid: child.pid,
    producer: ready.producer,
    resumed_at: ready.resumed_at,
    exited: child.exited,
    async stop() {
      if (child.process.connected) child.process.send({ type: "stop" });
      const late = setTimeout(() => child.kill(), 5000);
      await child.exited;
      clearTimeout(late);
    },
    kill: () => child.kill(),
  };
}
