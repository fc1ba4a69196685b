import type { ForbiddenProbe } from "../run-record.ts";
import { createHash } from "node:crypto";
import type Database from "better-sqlite3";
import { RpcSession, type RpcStub } from "capnweb";
import { errorCode } from "../../protocol/errors.ts";
import { PushTransport } from "../../protocol/message-transport.ts";
import type { Op } from "../../protocol/ops.ts";
import type { ReaderApi, ShareApi, WriterApi } from "../../protocol/rpc.ts";
import type { ServerEndpoint } from "../network/host.ts";
import type { ForbiddenAttempt } from "./attempts.ts";

// The world as an adversary. Claims such as "a reader cannot write", "a
// revoke fences every older capability", "a wrong secret redeems nothing" and
// "a refused call changes nothing" hold only if someone tries. At the moments
// the scenario names, the adversary opens its own capnweb session to the
// server and attempts what it must not; the world judges the answer it got and
// the server's SQLite before and after, byte for byte.

export { FORBIDDEN_ATTEMPTS, type ForbiddenAttempt } from "./attempts.ts";

/** What one attempt got: refused with a code (as it must be), refused without one, or accepted. */
/** A sha256 of every table of a database, rows in storage order: equal hashes, equal state. */
export function stateHash(db: Database.Database): string {
  const hash = createHash("sha256");
  const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all() as string[];
  for (const table of tables) {
    hash.update(`${table}\n`);
    for (const row of db.prepare(`SELECT * FROM "${table.replaceAll('"', '""')}"`).raw().iterate()) hash.update(`${JSON.stringify(row)}\n`);
  }
  return hash.digest("hex");
}

/** A capnweb session to the server over an in-memory pair: the adversary's own wire, with no faults on it. */
function openSession(server: ServerEndpoint): { main: RpcStub<ShareApi>; close: () => void } {
  let clientEnd!: PushTransport;
  let serverEnd!: PushTransport;
  clientEnd = new PushTransport((frame) => queueMicrotask(() => serverEnd.deliver(frame)));
  serverEnd = new PushTransport((frame) => queueMicrotask(() => clientEnd.deliver(frame)));
  server.acceptSession(serverEnd);
  const session = new RpcSession<ShareApi>(clientEnd);
  const main = session.getRemoteMain();
  return {
    main,
    close: () => {
      main[Symbol.dispose]();
      clientEnd.fail();
      serverEnd.fail();
    },
  };
}

const REST_ORIGIN = "http://adversary.invalid";

/**
 * Tries each way in: returns (the attempt was accepted) if any one succeeds;
 * otherwise throws a refusal, the first without a code if there is one.
 */
async function everyOneRefused(ways: (() => PromiseLike<unknown>)[]): Promise<void> {
  const refusals: unknown[] = [];
  let accepted = false;
  for (const way of ways) {
    try {
      await way();
      accepted = true;
    } catch (error) {
      refusals.push(error);
    }
  }
  if (accepted) return;
  throw refusals.find((e) => errorCode(e) === undefined) ?? refusals[0];
}

/** A REST error reply becomes the coded error it carries; a success is an acceptance. */
async function restReply(response: Response): Promise<void> {
  const body = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  if (response.ok) return;
  const error = new Error(body.error?.message ?? `HTTP ${response.status}`) as Error & { code?: string };
  if (body.error?.code !== undefined) error.code = body.error.code;
  throw error;
}

async function restReadToken(server: ServerEndpoint, share: { id: string; secret: string }): Promise<string> {
  const response = await server.app.fetch(
    new Request(`${REST_ORIGIN}/api/share/${share.id}/redeem`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ secret: share.secret, scope: "read" }) }),
  );
  return ((await response.json()) as { token: string }).token;
}

const op = (n: number): Op => ({ seq: 1, op_id: `adversary_op_${n}`, body: { kind: "model.upsert", model_id: `adversary-${n}`, provider: "adversary", name: "forbidden" } });

export interface AdversaryWorld {
  now(): number;
  server(): ServerEndpoint | undefined;
  serverDb(): Database.Database | undefined;
  /** The share's id, its secret now, and its epoch as committed. */
  share(index: number): { id: string; secret: string; epoch: number } | undefined;
  /** Some other share of the world than this one, if there is one. */
  otherShare(shareID: string): string | undefined;
  /** Creates a share nobody in the world was given; returns its id. */
  createDecoy(): string;
}

export class Adversary {
  readonly probes: ForbiddenProbe[] = [];
  readonly #world: AdversaryWorld;
  /** A writer stub redeemed early and kept: stale once a revoke moves the epoch on. */
  #kept: { share: number; epoch: number; writer: RpcStub<WriterApi>; close: () => void } | null = null;
  #n = 0;
  #decoyID: string | undefined;

  constructor(world: AdversaryWorld) {
    this.#world = world;
  }

  /** Redeems a writer capability to keep for later stale attempts (at the start, and after each server restart). */
  async keepWriter(shareIndex: number): Promise<void> {
    this.#kept?.close();
    this.#kept = null;
    const server = this.#world.server();
    const share = this.#world.share(shareIndex);
    if (!server || !share) return;
    const session = openSession(server);
    try {
      const redeemed = session.main.redeem(share.id, share.secret, "write", `adversary-${shareIndex}`);
      const { epoch } = await redeemed;
      this.#kept = { share: shareIndex, epoch, writer: redeemed.capability as unknown as RpcStub<WriterApi>, close: session.close };
    } catch {
      session.close();
    }
  }

  /** The server died: every session the adversary had died with it. */
  serverDown(): void {
    this.#kept?.close();
    this.#kept = null;
  }

  async attempt(attempt: ForbiddenAttempt, shareIndex: number): Promise<ForbiddenProbe> {
    const t = this.#world.now();
    const share = this.#world.share(shareIndex);
    const server = this.#world.server();
    const db = this.#world.serverDb();
    const skip = (message: string): ForbiddenProbe => this.#log({ t, attempt, share: share?.id ?? "", outcome: "skipped", code: null, message, state_changed: false });
    if (!share || !server || !db) return skip("the server is down");
    if (attempt === "stale_append" && (!this.#kept || this.#kept.share !== shareIndex || this.#kept.epoch >= share.epoch)) return skip("no capability older than the share's epoch is held");
    // Setup the attempt needs (a REST read token, a share nobody was given) is made before the "before" picture.
    const readToken = attempt === "reader_append" || attempt === "reader_read_other" ? await restReadToken(server, share) : "";
    const other = attempt === "reader_read_other" ? this.#decoy(share.id) : "";
    if (!this.#world.server() || this.#world.serverDb() !== db) return skip("the server went down");
    const before = stateHash(db);
    const session = attempt === "stale_append" ? null : openSession(server);
    let outcome: ForbiddenProbe["outcome"] = "accepted";
    let code: string | null = null;
    let message = "accepted";
    try {
      const n = ++this.#n;
      if (attempt === "stale_append") await this.#kept!.writer.appendOps([op(n)]);
      else if (attempt === "wrong_secret") await session!.main.redeem(share.id, `wrong-${share.secret}`, "write", `adversary-${shareIndex}`);
      else if (attempt === "impersonate_producer") {
        // A writer redeemed for one producer appending as another: the producer is bound at redeem.
        const writer = session!.main.redeem(share.id, share.secret, "write", `adversary-${shareIndex}`).capability as unknown as RpcStub<{ appendOps(producerID: string, ops: Op[]): unknown }>;
        await writer.appendOps(`adversary-other-${shareIndex}`, [op(n)]);
      }
      else if (attempt === "reader_read_other") {
        // Capnweb: redeem the other share with this one's secret. REST: this share's read token on the other's log.
        await everyOneRefused([
          () => session!.main.redeem(other, share.secret, "read"),
          async () => restReply(await server.app.fetch(new Request(`${REST_ORIGIN}/api/share/${other}/log?from=0&limit=10`, { headers: { authorization: `Bearer ${readToken}` } }))),
        ]);
      } else {
        const reader = session!.main.redeem(share.id, share.secret, "read").capability as unknown as RpcStub<ReaderApi & WriterApi>;
        if (attempt === "reader_append") {
          // On every transport: the capnweb reader, and REST's read token at /ops.
          const body = JSON.stringify({ token: readToken, ops: [op(n)] });
          await everyOneRefused([
            () => reader.appendOps([op(n)]),
            async () => restReply(await server.app.fetch(new Request(`${REST_ORIGIN}/api/share/${share.id}/ops`, { method: "POST", headers: { "content-type": "application/json" }, body }))),
          ]);
        } else await reader.revoke({ rotate_secret: false });
      }
    } catch (error) {
      outcome = "refused";
      code = errorCode(error) ?? null;
      message = String((error as Error)?.message ?? error);
    } finally {
      session?.close();
    }
    const after = this.#world.serverDb();
    const state_changed = after !== undefined && !after.inTransaction && stateHash(after) !== before;
    return this.#log({ t, attempt, share: share.id, outcome, code, message, state_changed });
  }

  /**
   * A share this reader was not given: another share of the world, else a
   * decoy the adversary made once, before its first such attempt's "before"
   * picture, so making it is not counted as a change.
   */
  #decoy(shareID: string): string {
    const other = this.#world.otherShare(shareID);
    if (other) return other;
    this.#decoyID ??= this.#world.createDecoy();
    return this.#decoyID;
  }

  #log(probe: ForbiddenProbe): ForbiddenProbe {
    this.probes.push(probe);
    return probe;
  }
}
