import { http } from "msw";
import { setupServer } from "msw/node";
import { httpBatchTransport } from "../client-under-test/transports/http-batch.ts";
import { restTransport } from "../client-under-test/transports/rest.ts";
import type { Transport } from "../client-under-test/transports/transport.ts";
import { websocketTransport } from "../client-under-test/transports/websocket.ts";
import { realClock, realIds, realRandom } from "../real/adapters.ts";
import type { Limits } from "../protocol/limits.ts";
import { PushTransport } from "../protocol/message-transport.ts";
import { createShareServer, openServerDb } from "../server-under-test/share-server.ts";
import type { Endpoint } from "./endpoint.ts";
import type { Storage } from "./matrix.ts";
import { openFor, type Scratch } from "./storage.ts";
import { httpRequestBytes, wsClientFrameBytes } from "./wire-bytes.ts";

// Client and server in one process, no sockets. WebSocket: a capnweb session
// over a pair of in-memory transports. HTTP batch and REST: the client's real
// fetch, intercepted by msw and handed to the real Hono app.

const ORIGIN = "http://bench.replaysim.test";

export function inProcessEndpoint(storage: Storage, files: Scratch | null, limits: Limits): Endpoint {
  const db = openFor(openServerDb, storage, files, "server");
  const server = createShareServer({ db, clock: realClock, random: realRandom, ids: realIds, limits, publicUrl: ORIGIN });
  let request_bytes = 0;

  const interceptor = setupServer(
    http.all(`${ORIGIN}/*`, async ({ request }) => {
      const body = await request.text();
      request_bytes += httpRequestBytes(request.method, request.url, request.headers, Buffer.byteLength(body));
      const init: RequestInit = { method: request.method, headers: request.headers };
      if (request.method !== "GET" && request.method !== "HEAD") init.body = body;
      return server.app.fetch(new Request(request.url, init));
    }),
  );
  interceptor.listen({ onUnhandledRequest: "error" });

  const openPair = async () => {
    let clientEnd!: PushTransport;
    let serverEnd!: PushTransport;
    clientEnd = new PushTransport(
      (frame) => {
        request_bytes += wsClientFrameBytes(frame);
        serverEnd.deliver(frame);
      },
      () => serverEnd.fail(),
    );
    serverEnd = new PushTransport((frame) => clientEnd.deliver(frame), () => clientEnd.fail());
    server.acceptSession(serverEnd);
    return clientEnd;
  };

  let closed = false;
  return {
    transport(name): Transport {
      switch (name) {
        case "websocket":
          return websocketTransport(openPair);
        case "http-batch":
          return httpBatchTransport(ORIGIN);
        case "rest":
          return restTransport(ORIGIN);
      }
    },
    createShare: async (sessionID) => server.store.createShare(sessionID),
    counters: async () => ({ request_bytes, server_cpu_us: null }),
    async close() {
      if (closed) return;
      closed = true;
      interceptor.close();
      db.close();
    },
  };
}
