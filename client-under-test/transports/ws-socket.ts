import type { RpcTransport } from "capnweb";
import WebSocket from "ws";
import { protocolError } from "../../protocol/errors.ts";
import { PushTransport } from "../../protocol/message-transport.ts";
import type { SocketOpener } from "./websocket.ts";

/** A real WebSocket (Node 20 has no global one) to `${baseUrl}/rpc`, as a capnweb transport. */
export function wsSocketOpener(baseUrl: string): SocketOpener {
  const url = `${baseUrl.replace(/^http/, "ws")}/rpc`;
  return () =>
    new Promise<RpcTransport>((resolve, reject) => {
      const socket = new WebSocket(url);
      const transport = new PushTransport(
        (frame) => socket.send(frame),
        () => socket.close(3000, "rpc session ended"),
      );
      socket.on("open", () => resolve(transport));
      socket.on("message", (data) => transport.deliver(data.toString()));
      socket.on("close", () => {
        transport.fail();
        reject(protocolError("connection_lost", `websocket to ${url} closed before it opened`));
      });
      socket.on("error", (error) => {
        transport.fail(protocolError("connection_lost", error.message));
        reject(protocolError("connection_lost", error.message));
      });
    });
}
