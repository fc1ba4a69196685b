// Batch throughput across transports on real loopback sockets: a real server
// and a real client in this process, 2,000 ops per sample, at several batch
// sizes. Run with `npm run bench:transports`.
import { Bench } from "tinybench";
import { realClock, realIds, realRandom } from "../cli/real-adapters.ts";
import { openOutboxDb } from "../client-under-test/outbox/outbox.ts";
import { ShareClient } from "../client-under-test/share-client.ts";
import { realTransport } from "../client-under-test/transports/by-name.ts";
import { TRANSPORT_NAMES } from "../client-under-test/transports/transport.ts";
import { listen } from "../server-under-test/node-server.ts";
import { createShareServer, openServerDb } from "../server-under-test/share-server.ts";
import { agentSession } from "../sim/workload/agent-session.ts";

const OPS = 2000;
const BATCHES = (process.env.BENCH_BATCHES ?? "10,100").split(",").map(Number);
const server = createShareServer({ db: openServerDb(), clock: realClock, random: realRandom, ids: realIds });
const running = await listen(server, 0);
const bodies = [...agentSession(realRandom, { tag: "bench", ops: OPS })].map((s) => s.body);

const bench = new Bench({ time: Number(process.env.BENCH_TIME_MS ?? 2000), warmupTime: 300 });
for (const batch of BATCHES) {
  for (const transport of TRANSPORT_NAMES) {
    bench.add(`${transport} batch ${batch}`, async () => {
      const client = new ShareClient({
        db: openOutboxDb(),
        transport: realTransport(transport, running.url),
        clock: realClock,
        random: realRandom,
        ids: realIds,
        settings: { batch_size: batch, calls_in_flight: 2 },
      });
      const share = server.store.createShare("bench");
      client.bindShare(share.id, share.secret);
      for (const body of bodies) client.enqueue(body);
      client.start();
      await client.drained();
      client.stop();
    });
  }
}
await bench.run();
await running.close();
console.table(
  bench.tasks.map((task) => {
    const r = task.result;
    const ms = r.state === "completed" ? r.latency.mean : NaN;
    return { task: task.name, samples: r.state === "completed" ? r.latency.samplesCount : 0, "ms per 2000 ops": ms.toFixed(1), "ops/s": Math.round((OPS / ms) * 1000) };
  }),
);
