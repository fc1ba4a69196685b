// cursor-per-connection
// Bug: acks report a cursor counted per capnweb session (ops applied through
//      this connection) instead of the share's cursor.
// Models: a counter kept on the connection object because "each client has
//      its own session".
// Caught by: cursor-monotonic (a client is told a cursor below the position
//      its own ops already reached).
import type { Ack } from "../protocol/rpc.ts";
import { ReaderCapability, WriterCapability } from "../server-under-test/rpc/capabilities.ts";
import { ShareApiTarget } from "../server-under-test/rpc/share-api.ts";
import type { Grant, ShareStore } from "../server-under-test/store/share-store.ts";
import type { Mutant } from "./mutant.ts";

class SessionCountingWriter extends WriterCapability {
  readonly #session: { applied: number };

  constructor(store: ShareStore, grant: Grant, session: { applied: number }) {
    super(store, grant);
    this.#session = session;
  }

  override async appendOps(...args: unknown[]): Promise<Ack> {
    const ack = await super.appendOps(...args);
    this.#session.applied += ack.applied;
    return { ...ack, cursor: this.#session.applied };
  }
}

export const cursorPerConnection: Mutant = {
  name: "cursor-per-connection",
  bug: "the cursor is counted per session instead of per share",
  caught_by: ["cursor-monotonic"],
  parts: {
    server: {
      makeApi: (store, _minter, publicUrl) => {
        const session = { applied: 0 };
        return new ShareApiTarget(store, { writer: (s, g) => new SessionCountingWriter(s, g, session), reader: (s, g) => new ReaderCapability(s, g) }, publicUrl);
      },
    },
    client: {},
  },
};
