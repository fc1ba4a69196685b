// Input checking for the share server: every request body, op and query
// parameter goes through here before anything touches the database. Each
// check throws an ApiError carrying the protocol's error `code`; nothing here
// has side effects.

/** The protocol's limits (docs/protocol.md). */
export const LIMITS = Object.freeze({
  ops_per_call: 500,
  op_bytes: 16 * 1024,
  call_bytes: 1024 * 1024,
  /** A request body may be twice the ops it carries (JSON envelope, token). */
  body_bytes: 2 * 1024 * 1024,
  read_page: 1000,
});

const STATUS = {
  unknown_share: 404,
  bad_secret: 401,
  stale_epoch: 409,
  read_only: 403,
  wrong_producer: 403,
  too_large: 413,
  invalid_op: 400,
  invalid_request: 400,
  disk_full: 507,
  server_error: 500,
};

export class ApiError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
    this.status = STATUS[code] ?? 500;
  }
}

export const fail = (code, message) => {
  throw new ApiError(code, message);
};

/** UTF-8 bytes of a value's JSON: how every size limit is counted. */
export const jsonBytes = (value) => Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");

const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);
const isString = (v, min, max) => typeof v === "string" && v.length >= min && v.length <= max;

/** Share ids, producer ids: 1..128 chars of [A-Za-z0-9_.:-]. */
export function checkName(value, field) {
  if (!isString(value, 1, 128) || !/^[A-Za-z0-9_.:-]+$/.test(value)) {
    fail("invalid_request", `${field}: expected 1 to 128 characters of letters, digits and _.:-`);
  }
  return value;
}

/** Secrets and tokens: any string of 1..256 chars. */
export function checkSecret(value, field = "secret") {
  if (!isString(value, 1, 256)) fail("invalid_request", `${field}: expected a string of 1 to 256 characters`);
  return value;
}

export function checkObject(value, field = "body") {
  if (!isObject(value)) fail("invalid_request", `${field}: expected a JSON object`);
  return value;
}

/** A query parameter that must be a whole number >= 0; absent means `fallback`. */
export function checkCount(raw, field, fallback) {
  if (raw === null) return fallback;
  if (!/^\d{1,15}$/.test(raw)) fail("invalid_request", `${field}: expected a whole number >= 0`);
  return Number(raw);
}

// ---- ops -------------------------------------------------------------------

const opId = (v) => isString(v, 1, 128);
const text = (min, max) => (v) => isString(v, min, max);
const oneOf = (...values) => (v) => typeof v === "string" && values.includes(v);
const count = (v) => Number.isSafeInteger(v) && v >= 0;
const anyJson = () => true; // the body came out of JSON.parse, so it is JSON

/** Every op kind with its fields, in the order they are stored: [name, check, required]. */
const KINDS = {
  "session.upsert": [["title", text(0, 512), true], ["directory", text(0, 1024), false]],
  "message.upsert": [
    ["message_id", opId, true],
    ["role", oneOf("user", "assistant"), true],
    ["model_id", opId, false],
    ["finish", oneOf("stop", "length", "tool-calls", "error"), false],
  ],
  "message.remove": [["message_id", opId, true]],
  "part.remove": [["part_id", opId, true], ["message_id", opId, true]],
  "part.upsert": [
    ["part_id", opId, true],
    ["message_id", opId, true],
    ["type", oneOf("text", "reasoning", "tool"), true],
    ["text", text(0, 65_536), false],
    ["state", anyJson, false],
  ],
  "part.append": [["part_id", opId, true], ["message_id", opId, true], ["text", text(1, 65_536), true]],
  "diff.replace": [["path", text(1, 1024), true], ["additions", count, true], ["deletions", count, true], ["patch", text(0, 8192), true]],
  "model.upsert": [["model_id", opId, true], ["provider", opId, true], ["name", text(0, 256), true]],
};

/** An op body, checked strictly (no unknown fields), copied with its fields in canonical order. */
export function checkBody(value, where) {
  if (!isObject(value)) fail("invalid_op", `${where}: expected an object`);
  const kind = value.kind;
  const fields = typeof kind === "string" && Object.hasOwn(KINDS, kind) ? KINDS[kind] : undefined;
  if (!fields) fail("invalid_op", `${where}.kind: unknown op kind ${JSON.stringify(kind)}`);
  const out = { kind };
  for (const [name, check, required] of fields) {
    if (!Object.hasOwn(value, name)) {
      if (required) fail("invalid_op", `${where}.${name}: required for ${kind}`);
      continue;
    }
    if (!check(value[name])) fail("invalid_op", `${where}.${name}: invalid value for ${kind}`);
    out[name] = value[name];
  }
  for (const key of Object.keys(value)) {
    if (key !== "kind" && !fields.some(([name]) => name === key)) fail("invalid_op", `${where}.${key}: unknown field for ${kind}`);
  }
  return out;
}

/** A whole op `{seq, op_id, body}`, checked strictly and copied in canonical order. */
export function checkOp(value, where) {
  if (!isObject(value)) fail("invalid_op", `${where}: expected an object`);
  for (const key of Object.keys(value)) {
    if (key !== "seq" && key !== "op_id" && key !== "body") fail("invalid_op", `${where}.${key}: unknown field`);
  }
  if (!Number.isSafeInteger(value.seq) || value.seq < 1) fail("invalid_op", `${where}.seq: expected a whole number >= 1`);
  if (!opId(value.op_id)) fail("invalid_op", `${where}.op_id: expected a string of 1 to 128 characters`);
  return { seq: value.seq, op_id: value.op_id, body: checkBody(value.body, `${where}.body`) };
}

/** The `ops` of an append: sizes first (cheap), then every op. The order is kept. */
export function checkOps(value) {
  if (!Array.isArray(value)) fail("invalid_request", "ops: expected an array");
  if (value.length === 0) fail("invalid_request", "ops: must hold at least one op");
  if (value.length > LIMITS.ops_per_call) fail("too_large", `ops: ${value.length} ops in one call, limit ${LIMITS.ops_per_call}`);
  let total = 0;
  for (let i = 0; i < value.length; i++) {
    const bytes = jsonBytes(value[i]);
    if (bytes > LIMITS.op_bytes) fail("too_large", `ops[${i}]: ${bytes} bytes, limit ${LIMITS.op_bytes}`);
    total += bytes;
  }
  if (total > LIMITS.call_bytes) fail("too_large", `ops: ${total} bytes in one call, limit ${LIMITS.call_bytes}`);
  return value.map((op, i) => checkOp(op, `ops[${i}]`));
}

/** Body of POST /api/share/:id/ops: `{token, ops, producer_id?}` and nothing else. */
export function checkAppendBody(value) {
  const body = checkObject(value);
  for (const key of Object.keys(body)) {
    if (key !== "token" && key !== "ops" && key !== "producer_id") {
      fail("invalid_request", `body.${key}: unknown field (send the token from /redeem, and the ops)`);
    }
  }
  return {
    token: checkSecret(body.token, "token"),
    producer_id: body.producer_id === undefined || body.producer_id === null ? undefined : checkName(body.producer_id, "producer_id"),
    ops: checkOps(body.ops),
  };
}

/** Body of POST /api/share/:id/redeem: `{secret, scope?, producer_id?}`. */
export function checkRedeemBody(value) {
  const body = checkObject(value);
  const secret = checkSecret(body.secret);
  const scope = body.scope === undefined ? "write" : body.scope;
  if (scope !== "write" && scope !== "read") fail("invalid_request", `scope: expected "write" or "read"`);
  return {
    secret,
    scope,
    producer_id: body.producer_id === undefined || body.producer_id === null ? undefined : checkName(body.producer_id, "producer_id"),
  };
}

/** Items of the legacy POST /sync: bare op bodies, or whole ops (anything with a `body`). */
export function checkLegacyItems(value) {
  if (!Array.isArray(value)) fail("invalid_request", "data: expected an array");
  if (value.length > LIMITS.ops_per_call) fail("too_large", `data: ${value.length} items, limit ${LIMITS.ops_per_call}`);
  return value.map((item, i) => (isObject(item) && "body" in item ? checkOp(item, `data[${i}]`) : { body: checkBody(item, `data[${i}]`) }));
}
