import { realClock, realIds, realRandom } from "../adapters.ts";
import { listen } from "../../server-under-test/node-server.ts";
import { createShareServer, openServerDb } from "../../server-under-test/share-server.ts";
import { partsFor } from "../../sim/parts.ts";
import { synchronousNormal } from "../../mutants/synchronous-normal.ts";
import { childConfig } from "./children.ts";
import { seededRandom } from "../../protocol/fake-ports.ts";
import { crashSeed, killingCrashPoints } from "./crash-at.ts";
import { limitGrowth } from "../../sim/nodes/durable-process.ts";
import { synchronousOf } from "../../sim/storage/db-files.ts";
import { serverAdversary } from "./server-adversary.ts";
import type { FromServerChild, ServerChildConfig, ToServerChild } from "./server-protocol.ts";

// Real mode's server: the real share server on a file-backed SQLite, on a port
// the OS picks, as a child of the harness. At its crash point it SIGKILLs
// itself. It exits when the harness goes away (the IPC channel closes). The
// admin's revokes, a full disk and the adversary's attempts come over IPC.

const send = (message: FromServerChild) => process.send?.(message);
if (!process.send) throw new Error("server-entry runs as a forked child of replaysim real");

const config = childConfig<ServerChildConfig>();
const settle = config.synchronous === "NORMAL" ? synchronousNormal : <T>(open: T) => open;
const parts = partsFor({ variant: config.variant, mutant: config.mutant, options: config.options });
// A scenario that asks for the old synchronous=NORMAL gets it on top of the opener, as in the simulator.
const db = settle(parts.openServerDb ?? openServerDb)(config.db_path);
if (config.disk_full) limitGrowth(db, true);
const deps = { db, clock: realClock, random: realRandom, ids: realIds, crash: killingCrashPoints(config.crash_at, config.crash_chance && { ...config.crash_chance, random: seededRandom((config.crash_chance.p * 1e9) ^ crashSeed(config)) }) };
// A whole server built another way (a seed design's) comes first; else the reference with the parts in place.
const server = parts.serverFactory ? parts.serverFactory(deps) : createShareServer(deps, parts.server);
const running = await listen(server, config.port, "127.0.0.1");
const adversary = serverAdversary(server, db);

async function stop(): Promise<void> {
  await running.close();
  db.close();
}

/** Answers one request from the harness; a throw becomes an `error` answer. */
async function answer(message: ToServerChild): Promise<FromServerChild> {
  switch (message.type) {
    case "share": {
      const share = server.store.createShare(message.session_id);
      return { type: "share", id: message.id, share_id: share.id, secret: share.secret };
    }
    case "revoke": {
      // As the world's admin: redeem with the secret it holds, then revoke that capability.
      const exists = db.prepare("SELECT 1 FROM shares WHERE id = ?").get(message.share_id) !== undefined;
      if (!exists) return { type: "revoked", id: message.id, epoch: 0, secret: null, skipped: "share lost" };
      const { epoch } = server.store.redeem(message.share_id, message.secret);
      const revoked = server.store.revoke({ share_id: message.share_id, epoch, scope: "write" }, message.rotate);
      return { type: "revoked", id: message.id, epoch: revoked.epoch, secret: revoked.secret ?? null, skipped: null };
    }
    case "disk_full":
      limitGrowth(db, message.full);
      return { type: "done", id: message.id };
    case "keep_writer":
      await adversary.keepWriter(message.share);
      return { type: "done", id: message.id };
    case "forbidden":
      return { type: "probe", id: message.id, probe: await adversary.attempt(message.attempt, message.share) };
    case "stop":
      await stop();
      send({ type: "stopped", id: message.id });
      process.exit(0);
  }
}

process.on("message", (message: ToServerChild) => {
  answer(message).then(send, (error: unknown) => send({ type: "error", id: message.id, message: String((error as Error)?.message ?? error) }));
});

process.once("disconnect", () => void stop().finally(() => process.exit(0)));

send({ type: "ready", url: running.url, synchronous: synchronousOf(db) });
