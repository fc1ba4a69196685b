import { realClock, realIds, realRandom } from "../adapters.ts";
import { listen } from "../../server-under-test/node-server.ts";
import { createShareServer, openServerDb } from "../../server-under-test/share-server.ts";
import { partsFor } from "../../sim/parts.ts";
import { childConfig } from "./children.ts";
import { seededRandom } from "../../protocol/fake-ports.ts";
import { crashSeed, killingCrashPoints } from "./crash-at.ts";
import type { FromServerChild, ServerChildConfig, ToServerChild } from "./server-protocol.ts";

// Real mode's server: the real share server on a file-backed SQLite, on a port
// the OS picks, as a child of the harness. At its crash point it SIGKILLs
// itself. It exits when the harness goes away (the IPC channel closes).

const send = (message: FromServerChild) => process.send?.(message);
if (!process.send) throw new Error("server-entry runs as a forked child of replaysim real");

const config = childConfig<ServerChildConfig>();
const parts = partsFor({ variant: config.variant, mutant: config.mutant, options: config.options });
const db = (parts.openServerDb ?? openServerDb)(config.db_path);
const server = createShareServer({ db, clock: realClock, random: realRandom, ids: realIds, crash: killingCrashPoints(config.crash_at, config.crash_chance && { ...config.crash_chance, random: seededRandom((config.crash_chance.p * 1e9) ^ crashSeed(config)) }) }, parts.server);
const running = await listen(server, config.port, "127.0.0.1");

async function stop(): Promise<void> {
  await running.close();
  db.close();
}

process.on("message", (message: ToServerChild) => {
  try {
    if (message.type === "share") {
      const share = server.store.createShare(message.session_id);
      send({ type: "share", id: message.id, share_id: share.id, secret: share.secret });
    } else {
      void stop().then(() => {
        send({ type: "stopped", id: message.id });
        process.exit(0);
      });
    }
  } catch (error) {
    send({ type: "error", id: message.id, message: String((error as Error)?.message ?? error) });
  }
});

process.once("disconnect", () => void stop().finally(() => process.exit(0)));

send({ type: "ready", url: running.url });
