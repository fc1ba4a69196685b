import { RpcSession, type RpcSessionOptions, type RpcTarget } from "capnweb";
import type { Hono } from "hono";
import type { UpgradeWebSocket, WSContext } from "hono/ws";
import { PushTransport } from "../../protocol/message-transport.ts";

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
        onMessage(event) {
          transport?.deliver(typeof event.data === "string" ? event.data : String(event.data));
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
