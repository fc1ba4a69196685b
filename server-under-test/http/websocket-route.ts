import { RpcSession, type RpcSessionOptions, type RpcTarget } from "capnweb";
import type { Hono } from "hono";
import type { UpgradeWebSocket, WSContext } from "hono/ws";
import { PushTransport } from "../../protocol/message-transport.ts";
import { deliverFrame } from "./capnweb-batch.ts";

/** Serves one long capnweb session per WebSocket upgraded on GET /rpc. */
export function mountWebSocketRoute(
  app: Hono,
  upgradeWebSocket: UpgradeWebSocket,
  newApi: () => RpcTarget,
  options: RpcSessionOptions,
): void {
  app.get(
    "/rpc",
    upgradeWebSocket(() => {
      let transport: PushTransport | undefined;
      return {
        onOpen(_event, ws: WSContext) {
          transport = new PushTransport(
            (frame) => ws.send(frame),
            () => ws.close(3000, "rpc session ended"),
          );
          new RpcSession(transport, newApi(), options);
        },
        onMessage(event, ws: WSContext) {
          const frame = typeof event.data === "string" ? event.data : String(event.data);
          // Only capnweb messages reach capnweb: anything else ends the session with a coded refusal.
          if (transport && !deliverFrame(frame, transport, (refusal) => ws.send(refusal))) ws.close(1008, "not a capnweb message");
        },
        onClose() {
          transport?.fail();
        },
        onError() {
          transport?.fail();
        },
      };
    }),
  );
}
