import { RpcSession, RpcTarget, type RpcStub } from "capnweb";
import { describe, expect, it } from "vitest";
import { PushTransport } from "../../protocol/message-transport.ts";
import type { ReaderApi, ShareApi } from "../../protocol/rpc.ts";
import { capnwebBatchProblem, capnwebMessageProblem, deliverFrame } from "./capnweb-batch.ts";

// The guard in front of capnweb: what a viewer's subscribe really sends must
// pass on a WebSocket, and a stub must never pass in an HTTP batch.

class Listener extends RpcTarget {
  entries(): void {}
  ended(): void {}
}

/** The frames a real capnweb client writes for redeem + subscribe(listener). */
async function subscribeFrames(): Promise<string[]> {
  const frames: string[] = [];
  const transport = new PushTransport((frame) => frames.push(frame));
  const main = new RpcSession<ShareApi>(transport).getRemoteMain();
  const reader = main.redeem("shr_1", "secret", "read").capability as unknown as RpcStub<ReaderApi>;
  void reader.subscribe(0, new Listener()).then(
    () => {},
    () => {},
  );
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  transport.fail();
  return frames;
}

describe("the capnweb frame guard", () => {
  it("lets a subscribe with the viewer's listener through on a WebSocket", async () => {
    const frames = await subscribeFrames();
    const call = frames.find((f) => f.includes('"subscribe"'));
    expect(call).toContain('["export",');
    for (const frame of frames) expect(capnwebMessageProblem(frame, { exports: true })).toBeNull();
    const delivered: string[] = [];
    expect(deliverFrame(call!, { deliver: (f) => delivered.push(f), fail() {} }, () => {})).toBe(true);
    expect(delivered).toEqual([call]);
  });

  it("refuses a stub in an HTTP batch, and a malformed export anywhere", async () => {
    const frames = await subscribeFrames();
    const call = frames.find((f) => f.includes('"subscribe"'))!;
    expect(capnwebMessageProblem(call)).toMatch(/neither an escaped array nor a literal/);
    expect(capnwebBatchProblem(frames.join("\n"))).not.toBeNull();
    expect(capnwebMessageProblem('["push",["pipeline",0,["x"],[["export","one"]]]]', { exports: true })).toBe("an argument is a malformed export");
    expect(capnwebMessageProblem('["push",["pipeline",0,["x"],[["promise",1]]]]', { exports: true })).not.toBeNull();
  });
});
