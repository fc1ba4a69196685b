import { serve, type ServerType } from "@hono/node-server";
import { createNodeWebSocket } from "@hono/node-ws";
import type { AddressInfo } from "node:net";
import { rpcSessionOptions } from "./http/app.ts";
import { mountWebSocketRoute } from "./http/websocket-route.ts";
import type { ShareServer } from "./share-server.ts";

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves a share server on a real port: HTTP routes plus WebSocket upgrades on /rpc. */
export function listen(server: ShareServer, port: number, hostname = "127.0.0.1"): Promise<RunningServer> {
  const { injectWebSocket, upgradeWebSocket, wss } = createNodeWebSocket({ app: server.app });
  mountWebSocketRoute(server.app, upgradeWebSocket, server.newApi, rpcSessionOptions(server.limits));
  return new Promise((resolve, reject) => {
    let http: ServerType;
    const onError = (error: Error) => reject(error);
    http = serve({ fetch: server.app.fetch, port, hostname }, (info: AddressInfo) => {
      http.off("error", onError);
      const url = `http://${hostname}:${info.port}`;
      if (server.publicUrl === "") server.publicUrl = url;
      resolve({
        url,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            for (const client of wss.clients) client.terminate();
            wss.close();
            if ("closeAllConnections" in http) http.closeAllConnections();
            http.close(() => done());
          }),
      });
    });
    http.on("error", onError);
    injectWebSocket(http);
  });
}
