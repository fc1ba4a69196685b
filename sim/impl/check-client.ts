import { openOutboxDb } from "../../client-under-test/outbox/outbox.ts";
import { CLIENT_METHODS, type Implementation } from "../../mutants/implementation.ts";
import { ImplError } from "./load-impl.ts";

// Before a run, a client module is built once with harmless ports: a module
// that does not fit the interface fails here with a message naming what is
// missing (exit 2), not with a stack trace from deep inside a world.

const refused = () => Promise.reject(Object.assign(new Error("no network in the fit check"), { code: "connection_lost" }));

export function checkClientFits(path: string, impl: Implementation): void {
  const factory = impl.client;
  if (!factory) throw new ImplError(`${path} exports no 'client' factory`);
  // The same database a client process gets in the world: the outbox tables exist, and a module may add its own.
  const db = openOutboxDb();
  let timers = 0;
  try {
    let client: unknown;
    try {
      client = factory({
        db,
        transport: { name: "rest", connect: refused, follow: refused },
        clock: { now: () => 0, setTimer: () => (timers++, { cancel: () => {} }) },
        random: { next: () => 0.5 },
        ids: { next: (prefix) => `${prefix}-check` },
        server_url: "http://share.replaysim.test",
      });
    } catch (error) {
      throw new ImplError(`${path}: client(ports) threw while building a client: ${(error as Error)?.message ?? error}`);
    }
    if (client === null || typeof client !== "object") throw new ImplError(`${path}: client(ports) returned ${client === null ? "null" : typeof client}, not a client object`);
    const missing = CLIENT_METHODS.filter((m) => typeof (client as Record<string, unknown>)[m] !== "function");
    if (typeof (client as { producerID?: unknown }).producerID !== "string") missing.unshift("producerID" as never);
    if (missing.length > 0) throw new ImplError(`${path}: the client it builds lacks ${missing.join(", ")} (a client has producerID and ${CLIENT_METHODS.join(", ")}; docs/your-implementation.md)`);
  } finally {
    db.close();
  }
}
