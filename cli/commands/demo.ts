import { openOutboxDb } from "../../client-under-test/outbox/outbox.ts";
import { ShareClient } from "../../client-under-test/share-client.ts";
import { realTransport } from "../../client-under-test/transports/by-name.ts";
import { TRANSPORT_NAMES } from "../../client-under-test/transports/transport.ts";
import { listen } from "../../server-under-test/node-server.ts";
import { createShareServer, openServerDb } from "../../server-under-test/share-server.ts";
import { agentSession } from "../../sim/workload/agent-session.ts";
import type { Command } from "../command.ts";
import { realClock, realIds, realRandom } from "../../real/adapters.ts";

export const demoCommand: Command = {
  spec: {
    name: "demo",
    summary: "loopback demo: a real server and a real client in one process, syncing over each transport",
    flags: [{ name: "ops", kind: "int", value: "N", description: "ops per transport", min: 1, max: 1_000_000, default: 500 }],
  },
  async run(flags, io) {
    const n = flags.ops as number;
    const server = createShareServer({ db: openServerDb(), clock: realClock, random: realRandom, ids: realIds });
    const running = await listen(server, 0);
    io.out(`server listening on ${running.url} (in-memory SQLite)`);
    try {
      for (const name of TRANSPORT_NAMES) {
        const client = new ShareClient({ db: openOutboxDb(), transport: realTransport(name, running.url), clock: realClock, random: realRandom, ids: realIds });
        const share = server.store.createShare(`demo-${name}`);
        client.bindShare(share.id, share.secret);
        for (const step of agentSession(realRandom, { tag: name, ops: n })) client.enqueue(step.body);
        const started = performance.now();
        client.start();
        await client.drained();
        const ms = performance.now() - started;
        client.stop();
        const view = server.store.view(share.id);
        const textBytes = view.parts.reduce((sum, p) => sum + p.text.length, 0);
        io.out(
          `${name.padEnd(10)} synced ${n} ops in ${ms.toFixed(0)} ms (${Math.round((n / ms) * 1000)} ops/s): cursor ${view.cursor}, ` +
            `${view.messages.length} messages, ${view.parts.length} parts (${textBytes} chars of text), ${view.diffs.length} diffs, ${view.models.length} models`,
        );
      }
    } finally {
      await running.close();
    }
    return 0;
  },
};
