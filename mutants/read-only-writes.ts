// read-only-writes
// Bug: redeeming with scope "read" hands out a capability that can append.
// Models: the reader class reused the writer class "and just didn't call the
//      write methods", and the grant was minted without its scope.
// Caught by: capability (unauthorized_write: a read-only client's ops land).
import { WriterCapability } from "../server-under-test/rpc/capabilities.ts";
import { referenceMinter } from "../server-under-test/rpc/capabilities.ts";
import type { Mutant } from "./mutant.ts";

export const readOnlyWrites: Mutant = {
  name: "read-only-writes",
  bug: "the reader capability can append",
  caught_by: ["capability"],
  parts: {
    server: { minter: { writer: referenceMinter.writer, reader: (store, grant) => new WriterCapability(store, { ...grant, scope: "write" }) } },
    client: {},
  },
};
