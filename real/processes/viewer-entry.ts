import { realTransport } from "../../client-under-test/transports/by-name.ts";
import { ShareViewer } from "../../client-under-test/viewer/share-viewer.ts";
import { openViewerDb } from "../../client-under-test/viewer/view-store.ts";
import { counterIds, seededRandom } from "../../protocol/fake-ports.ts";
import { partsFor } from "../../sim/parts.ts";
import { realClock } from "../adapters.ts";
import { childConfig } from "./children.ts";
import { crashSeed, killingCrashPoints } from "./crash-at.ts";
import type { FromViewerChild, ToViewerChild, ViewerChildConfig } from "./viewer-protocol.ts";

// Real mode's viewer: the reference viewer (or a mutant's) in its own process,
// on its own SQLite, following one share through the fault proxy. It tells the
// harness where its cursor stands, so the harness knows when it caught up.

const send = (message: FromViewerChild) => process.send?.(message);
if (!process.send) throw new Error("viewer-entry runs as a forked child of replaysim real");

const config = childConfig<ViewerChildConfig>();
const parts = partsFor({ variant: config.variant, mutant: config.mutant, options: config.options });
const db = openViewerDb(config.db_path);
const viewer = new ShareViewer(
  {
    db,
    transport: realTransport(config.transport, config.url),
    clock: realClock,
    random: seededRandom((config.seed * 7919 + config.name.length * 104_729 + config.incarnation * 31 + Number(config.name.split("-")[1] ?? 0)) >>> 0),
    ids: counterIds(`${config.name}_${config.incarnation}_`),
    crash: killingCrashPoints(config.crash_at, config.crash_chance && { ...config.crash_chance, random: seededRandom((config.crash_chance.p * 1e9) ^ crashSeed(config)) }),
    settings: config.settings,
  },
  parts.viewer ?? {},
);

process.on("message", (message: ToViewerChild) => {
  if (message.type !== "stop") return;
  clearInterval(watch);
  viewer.stop();
  db.close();
  send({ type: "stopped" });
  process.exit(0);
});
process.once("disconnect", () => process.exit(0));

if (config.share && viewer.status().view.share_id === null) viewer.bindShare(config.share.share_id, config.share.secret);
send({ type: "ready", viewer_id: viewer.viewerID });
viewer.start();

let cursor = -1;
let stopped = false;
const watch = setInterval(() => {
  const status = viewer.status();
  if (status.view.cursor !== cursor) send({ type: "cursor", cursor: (cursor = status.view.cursor) });
  if (status.error && !stopped) {
    stopped = true;
    send({ type: "viewer_stopped", code: status.error.code, message: status.error.message });
  }
}, 20);
