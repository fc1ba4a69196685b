import { httpBatchTransport } from "./http-batch.ts";
import { restTransport } from "./rest.ts";
import type { Transport, TransportName } from "./transport.ts";
import { websocketTransport } from "./websocket.ts";
import { wsSocketOpener } from "./ws-socket.ts";

/** The real transports, over real sockets to `baseUrl`. */
export function realTransport(name: TransportName, baseUrl: string): Transport {
  switch (name) {
    case "websocket":
      return websocketTransport(wsSocketOpener(baseUrl));
    case "http-batch":
      return httpBatchTransport(baseUrl);
    case "rest":
      return restTransport(baseUrl);
  }
}
