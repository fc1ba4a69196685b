import { describe, expect, it } from "vitest";
import { realClock, realIds, realRandom } from "../real/adapters.ts";
import { PushTransport } from "../protocol/message-transport.ts";
import { createShareServer, openServerDb } from "../server-under-test/share-server.ts";
import { openOutboxDb } from "./outbox/outbox.ts";
import { ShareClient } from "./share-client.ts";
import type { Connection } from "./transports/transport.ts";
import { websocketTransport } from "./transports/websocket.ts";

// "At most N calls in flight": a claim of the client about itself that the
// world cannot read off the wire (a call the client gave up on by its deadline
// may still be travelling), so it is checked here, at the connection seam,
// against a real server over a slow in-memory socket.

describe("calls_in_flight", () => {
  it.each([1, 3])("never has more than %i appendOps calls outstanding, and uses all of them under load", async (limit) => {
    const server = createShareServer({ db: openServerDb(), clock: realClock, random: realRandom, ids: realIds });
    const share = server.store.createShare("s");
    const slow = (deliver: (frame: string) => void) => (frame: string) => void realClock.setTimer(5, () => deliver(frame));
    const transport = websocketTransport(async () => {
      let clientEnd!: PushTransport;
      let serverEnd!: PushTransport;
      clientEnd = new PushTransport(slow((f) => serverEnd.deliver(f)));
      serverEnd = new PushTransport(slow((f) => clientEnd.deliver(f)));
      server.acceptSession(serverEnd);
      return clientEnd;
    });
    let out = 0;
    let most = 0;
    const counting = (connection: Connection): Connection => ({
      redeem: () => connection.redeem(),
      close: () => connection.close(),
      append: async (ops) => {
        most = Math.max(most, ++out);
        try {
          return await connection.append(ops);
        } finally {
          out--;
        }
      },
    });
    const client = new ShareClient(
      { db: openOutboxDb(), transport, clock: realClock, random: realRandom, ids: realIds, settings: { batch_size: 5, calls_in_flight: limit, deadline_ms: 5_000 } },
      { wrapConnection: counting },
    );
    client.bindShare(share.id, share.secret);
    for (let i = 0; i < 100; i++) client.enqueue({ kind: "part.append", part_id: "p1", message_id: "m1", text: `chunk ${i} ` });
    client.start();
    await client.drained();
    client.stop();
    expect(most).toBe(limit);
    expect(server.store.view(share.id).cursor).toBe(100);
  });
});
