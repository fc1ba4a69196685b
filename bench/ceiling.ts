import { Bench } from "tinybench";
import type { Op } from "../protocol/ops.ts";
import { openServerDb } from "../server-under-test/share-server.ts";
import { Materializer } from "../protocol/materialize.ts";
import type { Storage } from "./matrix.ts";
import { openFor, type Scratch } from "./storage.ts";

// The raw better-sqlite3 ceiling: the rows one synced op leaves on the server
// (its log row, its materialized write, the producer's last_seq and the share's
// cursor), written straight into the server's schema in transactions of the
// cell's batch size. No RPC, no validation, no client: what SQLite alone allows.

export interface CeilingMeasure {
  samples: number;
  ops_per_s: number;
}

export async function measureCeiling(ops: readonly Op[], batch: number, storage: Storage, files: Scratch | null, time_ms: number): Promise<CeilingMeasure> {
  const db = openFor(openServerDb, storage, files, "ceiling");
  try {
    const materializer = new Materializer(db);
    const insertShare = db.prepare(`INSERT INTO shares (id, session_id, secret_hash, epoch, cursor, created_ms) VALUES (?, ?, '', 0, 0, 0)`);
    const insertLog = db.prepare(`INSERT INTO share_log (share_id, cursor, producer_id, seq, epoch, op) VALUES (?, ?, ?, ?, 0, ?)`);
    const saveLastSeq = db.prepare(
      `INSERT INTO producers (share_id, producer_id, last_seq) VALUES (?, ?, ?)
       ON CONFLICT (share_id, producer_id) DO UPDATE SET last_seq = excluded.last_seq`,
    );
    const setCursor = db.prepare(`UPDATE shares SET cursor = ? WHERE id = ?`);
    const applyBatch = db.transaction((share: string, slice: readonly Op[], from: number) => {
      let cursor = from;
      for (const op of slice) {
        cursor++;
        materializer.apply(share, op.body);
        insertLog.run(share, cursor, "prd_ceiling", op.seq, JSON.stringify(op));
      }
      saveLastSeq.run(share, "prd_ceiling", slice[slice.length - 1]!.seq);
      setCursor.run(cursor, share);
    });
    let shares = 0;
    let share = "";
    const bench = new Bench({ time: time_ms, iterations: 1, warmupIterations: 1, warmupTime: 0, throws: true });
    bench.add(
      "ceiling",
      () => {
        for (let i = 0; i < ops.length; i += batch) applyBatch(share, ops.slice(i, i + batch), i);
      },
      {
        beforeEach() {
          share = `shr_ceiling_${++shares}`;
          insertShare.run(share, share);
        },
      },
    );
    await bench.run();
    const result = bench.tasks[0]!.result;
    if (result.state !== "completed") throw new Error(`tinybench ended the ceiling as ${result.state}`);
    return { samples: result.latency.samplesCount, ops_per_s: (ops.length / result.latency.mean) * 1000 };
  } finally {
    db.close();
  }
}
