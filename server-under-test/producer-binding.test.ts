import { RpcSession, type RpcStub } from "capnweb";
import { describe, expect, it } from "vitest";
import { counterClock, counterIds, seededRandom } from "../protocol/fake-ports.ts";
import { errorCode } from "../protocol/errors.ts";
import { PushTransport } from "../protocol/message-transport.ts";
import type { Op } from "../protocol/ops.ts";
import type { ShareApi } from "../protocol/rpc.ts";
import { createShareServer, openServerDb } from "./share-server.ts";

// The producer is bound at redeem: a writer capability redeemed for producer A
// cannot append as producer B, over a capnweb session (what WebSocket carries)
// and over a capnweb HTTP batch; REST's token is tested in http/app.test.ts.
// And a body on POST /rpc that is not a capnweb batch is the caller's mistake.

const op = (seq: number): Op => ({ seq, op_id: `op-${seq}`, body: { kind: "part.append", part_id: "p1", message_id: "m1", text: `t${seq}` } });

function server() {
  const db = openServerDb();
  const s = createShareServer({ db, clock: counterClock(), random: seededRandom(5), ids: counterIds() });
  const share = s.store.createShare("sess");
  const state = () => ({
    producers: db.prepare(`SELECT * FROM producers ORDER BY producer_id`).all(),
    log: db.prepare(`SELECT * FROM share_log ORDER BY cursor`).all(),
    shares: db.prepare(`SELECT * FROM shares`).all(),
  });
  return { s, share, state };
}

function session(s: ReturnType<typeof server>["s"]): RpcStub<ShareApi> {
  let clientEnd!: PushTransport;
  let serverEnd!: PushTransport;
  clientEnd = new PushTransport((f) => queueMicrotask(() => serverEnd.deliver(f)));
  serverEnd = new PushTransport((f) => queueMicrotask(() => clientEnd.deliver(f)));
  s.acceptSession(serverEnd);
  return new RpcSession<ShareApi>(clientEnd).getRemoteMain();
}

async function code(work: Promise<unknown>): Promise<string | undefined> {
  try {
    await work;
  } catch (error) {
    return errorCode(error) ?? `no code: ${String(error)}`;
  }
  return undefined;
}

/** A capnweb HTTP batch, by hand: redeem a writer for `redeemAs`, then append naming `appendAs` (or no producer). */
function batch(shareID: string, secret: string, redeemAs: string, appendAs: string | null): string {
  // capnweb escapes an array value by wrapping it: the ops argument travels as [[op, ...]].
  const ops = [[op(1)]];
  return [
    JSON.stringify(["push", ["pipeline", 0, ["redeem"], [shareID, secret, "write", redeemAs]]]),
    JSON.stringify(["push", ["pipeline", 1, ["capability", "appendOps"], appendAs === null ? [ops] : [appendAs, ops]]]),
    JSON.stringify(["pull", 2]),
  ].join("\n");
}

describe("a writer is bound to the producer it was redeemed for", () => {
  it("over a capnweb session: appending as another producer is refused with wrong_producer and changes nothing", async () => {
    const { s, share, state } = server();
    const main = session(s);
    const writer = main.redeem(share.id, share.secret, "write", "prd-a").capability as unknown as RpcStub<{ appendOps(...args: unknown[]): unknown }>;
    const before = state();
    expect(await code(writer.appendOps("prd-b", [op(1)]) as Promise<unknown>)).toBe("wrong_producer");
    expect(state()).toEqual(before);
    expect(await code(writer.appendOps([op(1)]) as Promise<unknown>)).toBeUndefined();
    expect(state().producers).toEqual([{ share_id: share.id, producer_id: "prd-a", last_seq: 1 }]);
    // Naming itself is still fine; redeeming a writer without a producer is not.
    expect(await code(writer.appendOps("prd-a", [op(2)]) as Promise<unknown>)).toBeUndefined();
    expect(await code((main.redeem as (...args: unknown[]) => Promise<unknown>)(share.id, share.secret, "write"))).toBe("invalid_request");
  });

  it("over a capnweb HTTP batch on POST /rpc: the same refusal, carried with its code", async () => {
    const { s, share, state } = server();
    const before = state();
    const refused = await s.app.request("/rpc", { method: "POST", body: batch(share.id, share.secret, "prd-a", "prd-b") });
    expect(refused.status).toBe(200);
    const text = await refused.text();
    expect(text).toMatch(/"reject"/);
    expect(text).toMatch(/"code":"wrong_producer"/);
    expect(state()).toEqual(before);
    const taken = await s.app.request("/rpc", { method: "POST", body: batch(share.id, share.secret, "prd-a", null) });
    expect(await taken.text()).toMatch(/"applied":1/);
    expect(state().producers).toEqual([{ share_id: share.id, producer_id: "prd-a", last_seq: 1 }]);
  });
});

describe("POST /rpc with a body that is not a capnweb batch", () => {
  it.each([
    ["garbage", "garbage"],
    ["truncated JSON", '["push",["pipeline",0,["redeem"'],
    ["a JSON object", '{"hello":"world"}'],
    ["an unknown message type", '["launch",1]'],
    ["an empty body", ""],
    ["bytes", "\u0000\u0001\u00ff\ufffd"],
  ])("%s: 400 invalid_request, no stack, no state change", async (_name, body) => {
    const { s, share, state } = server();
    const before = state();
    const reply = await s.app.request("/rpc", { method: "POST", body });
    expect(reply.status).toBe(400);
    const json = (await reply.json()) as { error: { code: string; message: string } };
    expect(json.error.code).toBe("invalid_request");
    expect(JSON.stringify(json)).not.toMatch(/\bat .*\.(ts|js):\d+|\/work\/|node_modules/);
    expect(JSON.stringify(json)).not.toContain(share.secret);
    expect(state()).toEqual(before);
  });
});
