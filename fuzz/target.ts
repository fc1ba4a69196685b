import { counterClock, counterIds, seededRandom } from "../protocol/fake-ports.ts";
import { PushTransport } from "../protocol/message-transport.ts";
import { deliverFrame } from "../server-under-test/http/capnweb-batch.ts";
import { createShareServer, openServerDb, type ShareServer } from "../server-under-test/share-server.ts";
import { stateHash } from "../sim/adversary/adversary.ts";

// The share server the fuzzer attacks: real, in-process, with a share that
// already holds ops, a producer, and a REST write token, so refusals have
// something to leave alone. Each entry point is reached the way the network
// reaches it: Hono's `app.request` for HTTP, a capnweb session fed frame by
// frame (through the same guard as the WebSocket route) for WebSocket.

export interface Target {
  server: ShareServer;
  share: { id: string; secret: string; token: string };
  /** Strings no error may ever reveal. */
  secrets: string[];
  state(): string;
  http(method: string, path: string, body: string): Promise<{ status: number; text: string }>;
  frames(frames: readonly string[]): Promise<string[]>;
  close(): void;
}

const SETTLE_ROUNDS_MAX = 50;

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export async function openTarget(seed = 1): Promise<Target> {
  const db = openServerDb();
  const server = createShareServer({ db, clock: counterClock(), random: seededRandom(seed), ids: counterIds() });
  const { id, secret } = server.store.createShare("fuzz");
  const { token } = server.store.issueWriteToken(id, secret, "prd-fuzz");
  const grant = server.store.grantOfToken(id, token);
  await server.store.appendOps(grant, "prd-fuzz", [1, 2, 3].map((seq) => ({ seq, op_id: `seed-op-${seq}`, body: { kind: "part.append" as const, part_id: "p1", message_id: "m1", text: `t${seq}` } })));
  return {
    server,
    share: { id, secret, token },
    secrets: [secret, token],
    state: () => stateHash(db),
    async http(method, path, body) {
      const init: RequestInit = { method, headers: { "content-type": "application/json" } };
      if (method !== "GET" && method !== "HEAD") init.body = body;
      const response = await server.app.request(path, init);
      return { status: response.status, text: await response.text() };
    },
    async frames(frames) {
      const out: string[] = [];
      const serverEnd = new PushTransport((frame) => out.push(frame));
      server.acceptSession(serverEnd);
      for (const frame of frames) {
        if (!deliverFrame(frame, serverEnd, (refusal) => out.push(refusal))) break;
        await nextTurn();
      }
      for (let i = 0; i < SETTLE_ROUNDS_MAX; i++) await nextTurn();
      serverEnd.fail();
      return out;
    },
    close: () => db.close(),
  };
}
