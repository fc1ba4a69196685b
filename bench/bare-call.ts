import { RpcSession, RpcTarget, type RpcStub, type RpcTransport } from "capnweb";
import { Bench } from "tinybench";
import { PushTransport } from "../protocol/message-transport.ts";

// The bare capnweb call rate: one session, one trivial method, one call at a
// time. What a round trip costs before any share logic or SQLite runs.

export class PingTarget extends RpcTarget {
  ping(n: number): number {
    return n;
  }
}

interface PingApi {
  ping(n: number): number;
}

export interface BareCallMeasure {
  samples: number;
  ops_per_s: number;
  latency_ms: { p50: number; p99: number };
}

/** An in-memory pair: the client end, with a PingTarget session on the other. */
export async function inMemoryPingSession(): Promise<RpcTransport> {
  let clientEnd!: PushTransport;
  let serverEnd!: PushTransport;
  clientEnd = new PushTransport((frame) => serverEnd.deliver(frame), () => serverEnd.fail());
  serverEnd = new PushTransport((frame) => clientEnd.deliver(frame), () => clientEnd.fail());
  new RpcSession(serverEnd, new PingTarget());
  return clientEnd;
}

export async function measureBareCalls(transport: RpcTransport, time_ms: number): Promise<BareCallMeasure> {
  const main: RpcStub<PingApi> = new RpcSession<PingApi>(transport).getRemoteMain();
  try {
    const bench = new Bench({ time: time_ms, warmupTime: Math.min(100, time_ms), throws: true });
    bench.add("ping", async () => {
      await main.ping(1);
    });
    await bench.run();
    const result = bench.tasks[0]!.result;
    if (result.state !== "completed") throw new Error(`tinybench ended the bare call as ${result.state}`);
    return {
      samples: result.latency.samplesCount,
      ops_per_s: 1000 / result.latency.mean,
      latency_ms: { p50: result.latency.p50, p99: result.latency.p99 },
    };
  } finally {
    main[Symbol.dispose]();
  }
}
