import { openOutboxDb } from "../../client-under-test/outbox/outbox.ts";
import { ShareClient, type SyncClient } from "../../client-under-test/share-client.ts";
import { realTransport } from "../../client-under-test/transports/by-name.ts";
import { errorCode } from "../../protocol/errors.ts";
import { counterIds, seededRandom } from "../../protocol/fake-ports.ts";
import type { ProbeEvent } from "../../protocol/ports.ts";
import { partsFor } from "../../sim/parts.ts";
import { realClock } from "../adapters.ts";
import { synchronousNormal } from "../../mutants/synchronous-normal.ts";
import { childConfig } from "./children.ts";
import { crashSeed, killingCrashPoints } from "./crash-at.ts";
import { resumeIndex } from "./workload-steps.ts";
import { limitGrowth } from "../../sim/nodes/durable-process.ts";
import { synchronousOf } from "../../sim/storage/db-files.ts";
import type { ClientChildConfig, FromClientChild, ToClientChild } from "./client-protocol.ts";

// Real mode's client: the reference durable client (or a mutant's, at the same
// seams) in its own process, on its own SQLite file, fed the scenario's
// workload. Ids and randomness are seeded per node and incarnation; time is
// real. It reports what it did over IPC: hints for the harness, not evidence.

const send = (message: FromClientChild) => process.send?.(message);
if (!process.send) throw new Error("client-entry runs as a forked child of replaysim real");

const config = childConfig<ClientChildConfig>();
const settle = config.synchronous === "NORMAL" ? synchronousNormal : <T>(open: T) => open;
const parts = partsFor({ variant: config.variant, mutant: config.mutant, options: config.options });
// A scenario that asks for the old synchronous=NORMAL gets it on top of the opener, as in the simulator.
const db = settle(parts.openOutboxDb ?? openOutboxDb)(config.outbox_path);
if (config.disk_full) limitGrowth(db, true);
const deps = {
  db,
  transport: realTransport(config.transport, config.url),
  clock: realClock,
  random: seededRandom((config.seed * 7919 + hash(config.name) * 104_729 + config.incarnation) >>> 0),
  ids: counterIds(`${config.name}_${config.incarnation}_`),
  crash: killingCrashPoints(config.crash_at, config.crash_chance && { ...config.crash_chance, random: seededRandom((config.crash_chance.p * 1e9) ^ crashSeed(config)) }),
  probe: { emit: (event: ProbeEvent) => send({ type: "probe", event }) },
  settings: config.settings,
};
const client: SyncClient = parts.clientFactory ? parts.clientFactory(deps, parts.client) : new ShareClient(deps, parts.client);

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h;
}

process.on("message", (message: ToClientChild) => {
  if (message.type === "disk_full") return limitGrowth(db, message.full);
  client.stop();
  db.close();
  send({ type: "stopped" });
  process.exit(0);
});
process.once("disconnect", () => process.exit(0));

if (config.share && client.status().sync.share_id === null) client.bindShare(config.share.share_id, config.share.secret);
const resumedAt = client.status().sync.last_enqueued_seq;
send({ type: "ready", producer: client.producerID, resumed_at: resumedAt, synchronous: synchronousOf(db) });
client.start();

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
for (let index = resumeIndex(config.steps, resumedAt, config.dropped); index < config.steps.length; index++) {
  const step = config.steps[index]!;
  await sleep(step.gap_ms);
  if (config.dropped.includes(index)) continue;
  for (;;) {
    // Said first: if this process dies inside the enqueue, the harness drops the op, as the simulator's agent does.
    send({ type: "enqueuing", index });
    try {
      const op = client.enqueue(step.body);
      send({ type: "enqueued", seq: op.seq, op_id: op.op_id });
      break;
    } catch (error) {
      const code = errorCode(error) ?? "unknown";
      send({ type: "enqueue_refused", code });
      // A full disk passes: the agent keeps the op and tries again, as in the simulator.
      if (code !== "disk_full") break;
      await sleep(250);
    }
  }
}
send({ type: "workload_done" });
client.drained().then(
  () => send({ type: "drained" }),
  () => {
    const error = client.status().error;
    send({ type: "client_stopped", code: error?.code ?? "unknown", message: error?.message ?? "" });
  },
);
