import { listen } from "../../server-under-test/node-server.ts";
import { createShareServer, openServerDb } from "../../server-under-test/share-server.ts";
import type { Command } from "../command.ts";
import { realClock, realIds, realRandom } from "../../real/adapters.ts";

export const serveCommand: Command = {
  spec: {
    name: "serve",
    summary: "run the share server (REST, capnweb HTTP batch and WebSocket on /rpc) until SIGINT or SIGTERM",
    flags: [
      { name: "port", kind: "int", value: "P", description: "TCP port; 0 picks a free one", min: 0, max: 65535, default: 8787 },
      { name: "host", kind: "string", value: "H", description: "address to bind", default: "127.0.0.1" },
      { name: "db", kind: "string", value: "FILE", description: "SQLite file (created if missing)", required: true },
    ],
    notes: ["Example: replaysim serve --port 8787 --db share.db"],
  },
  async run(flags, io) {
    const db = openServerDb(flags.db as string);
    const server = createShareServer({ db, clock: realClock, random: realRandom, ids: realIds });
    const running = await listen(server, flags.port as number, flags.host as string);
    io.out(`listening on ${running.url}`);
    const signal = await new Promise<string>((resolve) => {
      process.once("SIGINT", () => resolve("SIGINT"));
      process.once("SIGTERM", () => resolve("SIGTERM"));
    });
    await running.close();
    db.close();
    io.err(`${signal}: closed ${flags.db as string} cleanly`);
    return 0;
  },
};
