import { newHttpBatchRpcResponse, type RpcSessionOptions, type RpcTarget } from "capnweb";
import { Hono, type Context } from "hono";
import { errorCode, httpStatus, protocolError } from "../../protocol/errors.ts";
import { fromSqliteError } from "../../protocol/sqlite-errors.ts";
import type { Limits } from "../../protocol/limits.ts";
import { parseId, parseNonNegativeInt, parseObject, parseOpsRequest, parseRedeemRequest, parseSecret } from "../../protocol/validate.ts";
import { opBodySchema, opSchema } from "../../protocol/ops.ts";
import type { LegacyItem, ShareStore } from "../store/share-store.ts";
import { capnwebBatchProblem } from "./capnweb-batch.ts";

export interface AppDeps {
  store: ShareStore;
  limits: Limits;
  /** A fresh main object for one capnweb session. */
  newApi: () => RpcTarget;
  publicUrl: () => string;
}

/** capnweb options for every session: bounded messages, no stacks sent to peers, and a code on every error. */
export function rpcSessionOptions(limits: Limits): RpcSessionOptions {
  return {
    limits: { maxMessageSize: limits.call_bytes_max * 4 },
    onSendError: (raw) => {
      // A write the store did not map itself (a variant's own path) still reports a full disk as disk_full.
      const error = fromSqliteError(raw) as Error;
      const safe = new Error(error.message);
      for (const key of Object.keys(error)) (safe as unknown as Record<string, unknown>)[key] = (error as unknown as Record<string, unknown>)[key];
      // capnweb's own refusals (a method that is not there, a malformed call) are TypeErrors: the caller's mistake.
      if (errorCode(error) === undefined) (safe as unknown as { code: string }).code = error instanceof TypeError ? "invalid_request" : "server_error";
      safe.stack = "";
      return safe;
    },
  };
}

function errorResponse(c: Context, raw: unknown): Response {
  const error = fromSqliteError(raw);
  const code = errorCode(error);
  if (code === undefined) {
    return c.json({ error: { code: "server_error", message: "internal error" } }, 500);
  }
  return c.json({ error: { code, message: (error as Error).message } }, httpStatus(code));
}

/** Reads a JSON body within the call size limit; refuses anything else with a code. */
async function readJson(c: Context, limits: Limits): Promise<unknown> {
  const text = await c.req.text();
  if (Buffer.byteLength(text) > limits.call_bytes_max * 2) {
    throw protocolError("too_large", `body: ${Buffer.byteLength(text)} bytes, limit ${limits.call_bytes_max * 2}`, "body");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw protocolError("invalid_request", "body: not valid JSON", "body");
  }
}

/** The credential of a REST read: `Authorization: Bearer <read token or share secret>`. */
function bearer(c: Context): string {
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer (.+)$/.exec(header);
  if (!match) throw protocolError("bad_secret", "authorization: expected Bearer <read token or share secret>", "authorization");
  return parseSecret(match[1]);
}

/** A query parameter that must be a whole number; absent means the default. */
function queryInt(value: string | undefined, fallback: number): unknown {
  if (value === undefined) return fallback;
  return /^\d{1,15}$/.test(value) ? Number(value) : value;
}

/** The legacy sync's items: bare op bodies (the seed's format) or whole ops. */
function parseLegacyItems(value: unknown, limits: Limits): LegacyItem[] {
  if (!Array.isArray(value)) throw protocolError("invalid_request", "data: expected an array", "data");
  if (value.length > limits.ops_per_call_max) throw protocolError("too_large", `data: ${value.length} items, limit ${limits.ops_per_call_max}`, "data");
  return value.map((item, i) => {
    const schema = typeof item === "object" && item !== null && "body" in item ? opSchema : opBodySchema;
    const parsed = schema.safeParse(item);
    if (!parsed.success) throw protocolError("invalid_op", `data[${i}]: ${parsed.error.issues[0]?.message ?? "invalid"}`, `data[${i}]`);
    return parsed.data;
  });
}

/**
 * The batch, already read and checked, as capnweb's batch server reads a
 * request: its method and its text (capnweb 0.12 reads nothing else). A second
 * Request would copy the body into another stream for nothing.
 */
function checkedBatch(text: string): Request {
  return { method: "POST", text: () => Promise.resolve(text) } as Pick<Request, "method" | "text"> as Request;
}

/** The share server's HTTP face: capnweb batch on POST /rpc and the REST baseline. See websocket-route.ts for upgrades. */
export function createShareApp(deps: AppDeps): Hono {
  const { store, limits } = deps;
  const app = new Hono();
  const options = rpcSessionOptions(limits);

  app.onError((error, c) => errorResponse(c, error));

  app.post("/rpc", async (c) => {
    const length = Number(c.req.header("content-length") ?? "0");
    if (length > limits.call_bytes_max * 4) return errorResponse(c, protocolError("too_large", `batch of ${length} bytes`));
    const text = await c.req.text();
    if (Buffer.byteLength(text) > limits.call_bytes_max * 4) return errorResponse(c, protocolError("too_large", `batch of ${Buffer.byteLength(text)} bytes`));
    // Only a capnweb batch reaches capnweb: anything else is the caller's mistake, not a server error.
    const problem = capnwebBatchProblem(text);
    if (problem !== null) return errorResponse(c, protocolError("invalid_request", `body: not a capnweb batch (${problem})`, "body"));
    try {
      return await newHttpBatchRpcResponse(checkedBatch(text), deps.newApi(), options);
    } catch {
      return errorResponse(c, protocolError("invalid_request", "body: capnweb could not run this batch", "body"));
    }
  });

  app.post("/api/share", async (c) => {
    const body = parseObject(await readJson(c, limits));
    const sessionID = parseId(body.session_id, "session_id");
    const { id, secret } = store.createShare(sessionID);
    return c.json({ id, secret, url: `${deps.publicUrl()}/share/${id}` }, 201);
  });

  // REST binds the producer at redeem, as capnweb does: a write redeem names its producer and gets a token for
  // that producer and this epoch; /ops takes the token, and refuses a body that names another producer.
  app.post("/api/share/:id/redeem", async (c) => {
    const shareID = parseId(c.req.param("id"), "id");
    const request = parseRedeemRequest(await readJson(c, limits));
    if (request.scope === "read") return c.json(store.issueReadToken(shareID, request.secret));
    if (request.producer_id === undefined) throw protocolError("invalid_request", "producer_id: required to redeem for writing", "producer_id");
    return c.json(store.issueWriteToken(shareID, request.secret, request.producer_id));
  });

  app.post("/api/share/:id/ops", async (c) => {
    const shareID = parseId(c.req.param("id"), "id");
    const request = parseOpsRequest(await readJson(c, limits), limits);
    const grant = store.grantOfToken(shareID, request.token);
    if (request.producer_id !== undefined && request.producer_id !== grant.producer_id) {
      throw protocolError("wrong_producer", `this token appends as ${grant.producer_id}, not ${request.producer_id}`, "producer_id");
    }
    return c.json(await store.appendOps(grant, grant.producer_id, request.ops));
  });

  // Viewers poll the log: authenticated by a read token from /redeem or the share secret, as a bearer credential.
  app.get("/api/share/:id/log", (c) => {
    const shareID = parseId(c.req.param("id"), "id");
    const grant = store.grantOfBearer(shareID, bearer(c));
    const from = parseNonNegativeInt(queryInt(c.req.query("from"), 0), "from");
    const limit = parseNonNegativeInt(queryInt(c.req.query("limit"), limits.read_limit_max), "limit");
    const page = store.read(grant, from, limit);
    const entries = page.entries;
    if (entries.length > 0) {
      store.deps.probe.emit({
        type: "served",
        share: shareID,
        via: "rest",
        cursor_from: entries[0]!.cursor,
        cursor_to: entries[entries.length - 1]!.cursor,
        count: entries.length,
        limit: Math.min(limit, limits.read_limit_max),
        epoch: grant.epoch,
        scope: grant.scope,
      });
    }
    return c.json(page);
  });

  app.get("/api/share/:id/snapshot", (c) => {
    const shareID = parseId(c.req.param("id"), "id");
    return c.json(store.snapshot(store.grantOfBearer(shareID, bearer(c))));
  });

  app.get("/api/share/:id", (c) => c.json(store.view(parseId(c.req.param("id"), "id"))));

  app.delete("/api/share/:id", async (c) => {
    const shareID = parseId(c.req.param("id"), "id");
    const body = parseObject(await readJson(c, limits));
    store.deleteShare(shareID, parseSecret(body.secret));
    return c.body(null, 204);
  });

  app.post("/api/share/:id/sync", async (c) => {
    const shareID = parseId(c.req.param("id"), "id");
    const body = parseObject(await readJson(c, limits));
    const secret = parseSecret(body.secret);
    const producer = body.producer_id === undefined ? undefined : parseId(body.producer_id, "producer_id");
    return c.json(store.legacySync(shareID, secret, parseLegacyItems(body.data, limits), producer));
  });

  app.notFound((c) => c.json({ error: { code: "invalid_request", message: `no route ${c.req.method} ${c.req.path}` } }, 404));
  return app;
}
