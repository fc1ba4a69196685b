import { newHttpBatchRpcSession } from "capnweb";
import { errorCode, protocolError } from "../protocol/errors.ts";
import type { CreatedShare, ShareApi } from "../protocol/rpc.ts";
import type { TransportName } from "./transports/transport.ts";

/** Creates a share on the server, over REST for the rest transport and capnweb otherwise. */
export async function createRemoteShare(baseUrl: string, transport: TransportName, sessionID: string): Promise<CreatedShare> {
  if (transport !== "rest") {
    const api = newHttpBatchRpcSession<ShareApi>(`${baseUrl}/rpc`);
    return (await api.createShare(sessionID)) as CreatedShare;
  }
  const response = await fetch(`${baseUrl}/api/share`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ session_id: sessionID }),
  });
  const body = (await response.json()) as CreatedShare & { error?: { code: string; message: string } };
  if (!response.ok) throw protocolError(errorCode(body.error) ?? "server_error", body.error?.message ?? `HTTP ${response.status}`);
  return body;
}
