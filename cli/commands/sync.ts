import { createRemoteShare } from "../../client-under-test/create-share.ts";
import { openOutboxDb } from "../../client-under-test/outbox/outbox.ts";
import { ShareClient } from "../../client-under-test/share-client.ts";
import { realTransport } from "../../client-under-test/transports/by-name.ts";
import { TRANSPORT_NAMES, type TransportName } from "../../client-under-test/transports/transport.ts";
import { agentSession } from "../../sim/workload/agent-session.ts";
import type { Command } from "../command.ts";
import { realClock, realIds, realRandom } from "../../real/adapters.ts";

export const syncCommand: Command = {
  spec: {
    name: "sync",
    summary: "enqueue generated agent-session ops into a durable outbox and sync them to a server",
    flags: [
      { name: "url", kind: "string", value: "URL", description: "server base URL, e.g. http://127.0.0.1:8787", required: true },
      { name: "transport", kind: "string", choices: TRANSPORT_NAMES, description: "how to reach the server", default: "websocket" },
      { name: "ops", kind: "int", value: "N", description: "ops to generate and enqueue this run", min: 0, max: 10_000_000, required: true },
      { name: "db", kind: "string", value: "FILE", description: "the outbox's SQLite file; reuse it to resume", required: true },
      { name: "batch", kind: "int", value: "B", description: "ops per appendOps call", min: 1, max: 500, default: 100 },
      { name: "in-flight", kind: "int", value: "K", description: "calls outstanding at once", min: 1, max: 8, default: 2 },
      { name: "deadline-ms", kind: "int", value: "D", description: "give up unless drained by then", min: 1, default: 60_000 },
      { name: "call-deadline-ms", kind: "int", value: "D", description: "deadline of each call", min: 1, default: 5_000 },
    ],
    notes: [
      'Prints one JSON line: {"share_id":...,"enqueued":N,"acked":...,"cursor":...,"last_seq":...}',
      "Exit codes: 0 everything acked, 1 not drained in time or stopped by the server, 2 bad flags.",
    ],
  },
  async run(flags, io) {
    const url = (flags.url as string).replace(/\/+$/, "");
    const transportName = flags.transport as TransportName;
    const db = openOutboxDb(flags.db as string);
    const client = new ShareClient({
      db,
      transport: realTransport(transportName, url),
      clock: realClock,
      random: realRandom,
      ids: realIds,
      settings: { batch_size: flags.batch as number, calls_in_flight: flags["in-flight"] as number, deadline_ms: flags["call-deadline-ms"] as number },
    });
    try {
      let sync = client.outbox.state();
      if (sync.share_id === null) {
        const share = await createRemoteShare(url, transportName, `session-${client.producerID}`);
        client.bindShare(share.id, share.secret);
        io.err(`created share ${share.id} (${share.url})`);
      }
      const n = flags.ops as number;
      const generator = agentSession(realRandom, { tag: client.producerID, ops: n, owns_session: sync.last_enqueued_seq === 0 });
      for (const step of generator) client.enqueue(step.body);
      const started = performance.now();
      client.start();
      let timer: { cancel(): void } | undefined;
      const deadline = new Promise<"deadline">((resolve) => {
        timer = realClock.setTimer(flags["deadline-ms"] as number, () => resolve("deadline"));
      });
      const outcome = await Promise.race([client.drained().then(() => "drained" as const, () => "stopped" as const), deadline]);
      timer?.cancel();
      const wall_ms = performance.now() - started;
      client.stop();
      sync = client.outbox.state();
      const status = client.status();
      io.out(
        JSON.stringify({
          share_id: sync.share_id,
          enqueued: n,
          acked: sync.acked_seq,
          pending: status.pending,
          cursor: sync.cursor,
          last_seq: status.server_last_seq,
          transport: transportName,
          wall_ms: Math.round(wall_ms),
          ...(status.error ? { error: status.error } : {}),
        }),
      );
      if (outcome === "stopped") io.err(`sync stopped: ${status.error?.code}: ${status.error?.message}`);
      if (outcome === "deadline") io.err(`sync did not drain within ${flags["deadline-ms"]} ms; ${status.pending} ops still pending`);
      return outcome === "drained" ? 0 : 1;
    } finally {
      client.stop();
      db.close();
    }
  },
};
