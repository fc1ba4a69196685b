import { type ReadyChild, startReadyChild } from "./ready-child.ts";
import type { FromViewerChild, ViewerChildConfig } from "./viewer-protocol.ts";

export type ViewerProcess = ReadyChild<Extract<FromViewerChild, { type: "ready" }>>;

/** Starts one incarnation of a real viewer; `onMessage` sees every message it sends. */
export function startViewerProcess(config: ViewerChildConfig, onMessage: (m: FromViewerChild) => void, options: { stderr?: (line: string) => void } = {}): Promise<ViewerProcess> {
  return startReadyChild("real/processes/viewer-entry.ts", config.name, config, onMessage, options);
}
