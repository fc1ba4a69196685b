import { afterEach, describe, expect, test } from "vitest";
import { realClock, realIds, realRandom } from "../real/adapters.ts";
import { listen, type RunningServer } from "../server-under-test/node-server.ts";
import { createShareServer, openServerDb, type ShareServer } from "../server-under-test/share-server.ts";
import type { OpBody } from "../protocol/ops.ts";
import { openOutboxDb } from "./outbox/outbox.ts";
import { ShareClient } from "./share-client.ts";
import { realTransport } from "./transports/by-name.ts";
import { TRANSPORT_NAMES } from "./transports/transport.ts";

// A revoke over real sockets: an epoch bump only kills live capabilities (the
// client redeems again with its secret); a rotated secret stops the client
// with a clear error, and its unsent ops stay in the outbox.

const text = (i: number): OpBody => ({ kind: "part.append", part_id: "p1", message_id: "m1", text: `chunk ${i} ` });

let running: RunningServer | undefined;
let clients: ShareClient[] = [];
afterEach(async () => {
  for (const c of clients) c.stop();
  clients = [];
  await running?.close();
  running = undefined;
});

async function setUp(transport: (typeof TRANSPORT_NAMES)[number]) {
  const server: ShareServer = createShareServer({ db: openServerDb(), clock: realClock, random: realRandom, ids: realIds });
  running = await listen(server, 0);
  const share = server.store.createShare("s");
  const client = new ShareClient({ db: openOutboxDb(), transport: realTransport(transport, running.url), clock: realClock, random: realRandom, ids: realIds, settings: { backoff_base_ms: 5, backoff_max_ms: 20 } });
  clients.push(client);
  client.bindShare(share.id, share.secret);
  for (let i = 0; i < 20; i++) client.enqueue(text(i));
  client.start();
  await client.drained();
  const epoch = server.store.redeem(share.id, share.secret).epoch;
  return { server, share, client, grant: { share_id: share.id, epoch, scope: "write" as const } };
}

describe.each(TRANSPORT_NAMES)("%s", (transport) => {
  test("after a revoke that keeps the secret, the client redeems again and finishes", async () => {
    const { server, share, client, grant } = await setUp(transport);
    server.store.revoke(grant, false);
    for (let i = 20; i < 40; i++) client.enqueue(text(i));
    await client.drained();
    expect(client.status().error).toBeNull();
    expect(server.store.view(share.id).cursor).toBe(40);
  });

  test("after a revoke that rotates the secret, the client stops with bad_secret and keeps its ops", async () => {
    const { server, share, client, grant } = await setUp(transport);
    server.store.revoke(grant, true);
    for (let i = 20; i < 30; i++) client.enqueue(text(i));
    await expect(client.drained()).rejects.toMatchObject({ code: "bad_secret" });
    const status = client.status();
    expect(status.state).toBe("stopped");
    expect(status.error).toEqual({ code: "bad_secret", message: expect.stringContaining(share.id) });
    expect(status.pending).toBe(10);
    expect(server.store.view(share.id).cursor).toBe(20);
  });
});
