// client-forgets-inflight
// Bug: the client records the highest seq it has sent, and on restart treats
//      everything sent as delivered, so ops in flight at the crash are dropped
//      instead of resent.
// Models: persisting "sent_seq" to avoid resending after a restart, without
//      asking the server (redeem's last_seq) what actually arrived.
// Caught by: exactly-once (lost), ack-integrity (acked_not_durable).
import type Database from "better-sqlite3";
import { Outbox } from "../client-under-test/outbox/outbox.ts";
import type { Mutant } from "./mutant.ts";
import { beforeAppend } from "./connection.ts";

function sentTable(db: Database.Database) {
  db.exec(`CREATE TABLE IF NOT EXISTS mutant_sent_seq (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL)`);
  return {
    read: () => (db.prepare(`SELECT seq FROM mutant_sent_seq WHERE id = 1`).pluck().get() as number | undefined) ?? 0,
    write: (seq: number) => db.prepare(`INSERT INTO mutant_sent_seq (id, seq) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET seq = max(seq, excluded.seq)`).run(seq),
  };
}

export const clientForgetsInflight: Mutant = {
  name: "client-forgets-inflight",
  bug: "on restart, in-flight ops are dropped instead of resent",
  caught_by: ["exactly-once", "ack-integrity"],
  parts: {
    server: {},
    client: {
      makeOutbox: (db, ids, crash) => {
        const outbox = new Outbox(db, ids, crash);
        outbox.markAcked(sentTable(db).read());
        return outbox;
      },
      wrapConnection: (connection, outbox) => beforeAppend(connection, (ops) => void sentTable(outbox.db).write(ops[ops.length - 1]!.seq)),
    },
  },
};
