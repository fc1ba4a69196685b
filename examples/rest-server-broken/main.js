#!/usr/bin/env node
// A REST-only share server on plain node:http and better-sqlite3.
//
//   node main.js --port 8787 --db share.db
//
// Prints `listening on http://127.0.0.1:PORT` once it accepts connections
// (--port 0 picks a free port). SIGTERM or SIGINT closes the database and
// exits 0. The SQLite file is the whole state: SIGKILL at any moment loses
// nothing that was acknowledged.

import http from "node:http";
import { parseArgs } from "node:util";
import { openDatabase, ShareStore } from "./store.js";
import { ApiError, checkAppendBody, checkCount, checkLegacyItems, checkName, checkObject, checkRedeemBody, checkSecret, fail, LIMITS } from "./validate.js";

const USAGE = `usage: node ${process.argv[1]} --port PORT --db FILE [--host 127.0.0.1]`;

let args;
try {
  args = parseArgs({
    options: {
      port: { type: "string", default: "8787" },
      db: { type: "string" },
      host: { type: "string", default: "127.0.0.1" },
    },
  }).values;
} catch (error) {
  console.error(`${error.message}\n${USAGE}`);
  process.exit(2);
}
const port = Number(args.port);
if (!args.db || !Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(USAGE);
  process.exit(2);
}

const db = openDatabase(args.db);
const store = new ShareStore(db);
let publicUrl = "";

// ---- HTTP plumbing -----------------------------------------------------------

function send(res, status, value) {
  if (res.headersSent || res.destroyed) return;
  if (value === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function sendError(res, error) {
  if (error instanceof ApiError) return send(res, error.status, { error: { code: error.code, message: error.message } });
  // SQLite rolled the transaction back: nothing was applied, and the same call succeeds once there is room.
  if (error?.code === "SQLITE_FULL") return send(res, 507, { error: { code: "disk_full", message: `storage is full: ${error.message}` } });
  console.error(error);
  return send(res, 500, { error: { code: "server_error", message: "internal error" } });
}

/** The request body as JSON, at most LIMITS.body_bytes of it. */
function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size <= LIMITS.body_bytes) chunks.push(chunk);
    });
    req.on("error", reject);
    req.on("end", () => {
      if (size > LIMITS.body_bytes) return reject(new ApiError("too_large", `body: ${size} bytes, limit ${LIMITS.body_bytes}`));
      const text = new TextDecoder().decode(Buffer.concat(chunks));
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new ApiError("invalid_request", "body: not valid JSON"));
      }
    });
  });
}

/** `Authorization: Bearer <read token or share secret>`. */
function bearer(req) {
  const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
  if (!match) fail("bad_secret", "authorization: expected Bearer <read token or share secret>");
  return checkSecret(match[1]);
}

function shareIdOf(raw) {
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // left as sent; the check below refuses it
  }
  return checkName(decoded, "id");
}

// ---- routes --------------------------------------------------------------------

async function createShare(req, res) {
  const body = checkObject(await readJson(req));
  const sessionRef = checkName(body.session_id, "session_id");
  const { id, secret } = store.createShare(sessionRef);
  send(res, 201, { id, secret, url: `${publicUrl}/share/${id}` });
}

async function redeem(req, res, shareId) {
  const body = checkRedeemBody(await readJson(req));
  if (body.scope === "write" && body.producer_id === undefined) fail("invalid_request", "producer_id: required to redeem for writing");
  send(res, 200, store.redeem(shareId, body.secret, body.scope, body.producer_id));
}

async function appendOps(req, res, shareId) {
  const body = checkAppendBody(await readJson(req));
  const grant = store.writeGrant(shareId, body.token);
  if (body.producer_id !== undefined && body.producer_id !== grant.producer_id) {
    fail("wrong_producer", `this token appends as ${grant.producer_id}, not ${body.producer_id}`);
  }
  send(res, 200, store.append(grant, body.ops));
}

function readLog(req, res, shareId, query) {
  const grant = store.readGrant(shareId, bearer(req));
  const from = checkCount(query.get("from"), "from", 0);
  const limit = checkCount(query.get("limit"), "limit", LIMITS.read_page);
  send(res, 200, store.readLog(grant, from, limit));
}

function snapshot(req, res, shareId) {
  send(res, 200, store.snapshot(store.readGrant(shareId, bearer(req))));
}

async function deleteShare(req, res, shareId) {
  const body = checkObject(await readJson(req));
  store.deleteShare(shareId, checkSecret(body.secret));
  send(res, 204);
}

async function legacySync(req, res, shareId) {
  const body = checkObject(await readJson(req));
  const secret = checkSecret(body.secret);
  const producer = body.producer_id === undefined ? "legacy" : checkName(body.producer_id, "producer_id");
  send(res, 200, store.legacySync(shareId, secret, checkLegacyItems(body.data), producer));
}

const SHARE_PATH = /^\/api\/share\/([^/]+)(?:\/(redeem|ops|log|snapshot|sync))?$/;

async function route(req, res) {
  const queryAt = req.url.indexOf("?");
  const path = queryAt === -1 ? req.url : req.url.slice(0, queryAt);
  const query = new URLSearchParams(queryAt === -1 ? "" : req.url.slice(queryAt + 1));
  // HEAD is a GET without the body (node:http drops it).
  const method = req.method === "HEAD" ? "GET" : req.method;
  if (path === "/api/share" && method === "POST") return createShare(req, res);
  const match = SHARE_PATH.exec(path);
  const action = match?.[2] ?? "";
  const handler = match && {
    "POST redeem": redeem,
    "POST ops": appendOps,
    "GET log": readLog,
    "GET snapshot": snapshot,
    "POST sync": legacySync,
    "GET ": (_req, r, id) => send(r, 200, store.publicView(id)),
    "DELETE ": deleteShare,
  }[`${method} ${action}`];
  if (!handler) {
    const error = new ApiError("invalid_request", `no route ${method} ${path}`);
    error.status = 404;
    throw error;
  }
  return handler(req, res, shareIdOf(match[1]), query);
}

const server = http.createServer((req, res) => {
  route(req, res).catch((error) => sendError(res, error));
});

server.on("error", (error) => {
  console.error(`cannot listen on ${args.host}:${port}: ${error.message}`);
  db.close();
  process.exit(1);
});

server.listen(port, args.host, () => {
  const address = server.address();
  publicUrl = `http://${args.host}:${address.port}`;
  console.log(`listening on ${publicUrl}`);
});

function shutdown(signal) {
  server.close();
  server.closeAllConnections();
  db.close();
  console.error(`${signal}: closed ${args.db}`);
  process.exit(0);
}
process.once("SIGTERM", () => shutdown("SIGTERM"));
process.once("SIGINT", () => shutdown("SIGINT"));
