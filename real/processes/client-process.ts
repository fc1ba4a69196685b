import type { ClientChildConfig, FromClientChild } from "./client-protocol.ts";
import { type ReadyChild, startReadyChild } from "./ready-child.ts";

export type ClientProcess = ReadyChild<Extract<FromClientChild, { type: "ready" }>>;

/** Starts one incarnation of a real client; `onMessage` sees every message it sends. */
export function startClientProcess(config: ClientChildConfig, onMessage: (m: FromClientChild) => void, options: { stderr?: (line: string) => void } = {}): Promise<ClientProcess> {
  return startReadyChild("real/processes/client-entry.ts", config.name, config, onMessage, options);
}
