import type { Op } from "../protocol/ops.ts";
import type { Ack } from "../protocol/rpc.ts";
import type { Connection } from "../client-under-test/transports/transport.ts";

/** A connection whose append runs `before` first; the rest passes straight through. */
export function beforeAppend(connection: Connection, before: (ops: Op[]) => void): Connection {
  return {
    redeem: () => connection.redeem(),
    append: (ops: Op[]): Promise<Ack> => {
      before(ops);
      return connection.append(ops);
    },
    close: () => connection.close(),
  };
}
