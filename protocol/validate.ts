import { z } from "zod";
import { protocolError } from "./errors.ts";
import { jsonBytes, type Limits } from "./limits.ts";
import { fastOp } from "./op-fast-check.ts";
import { opSchema, type Op } from "./ops.ts";
import type { Scope } from "./rpc.ts";

// Runtime validators for every input that crosses the wire. Each throws a
// protocol error whose message names the bad field; none has side effects.

const idSchema = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.:-]+$/, "only letters, digits and _.:-");
const secretSchema = z.string().min(1).max(256);
// Built once: a schema built per call costs more than the check itself.
const scopeSchema = z.enum(["write", "read"]);
const nonNegativeIntSchema = z.int().min(0);

function describe(error: z.ZodError, root: string): string {
  const issue = error.issues[0];
  if (!issue) return `${root}: invalid`;
  const path = issue.path.reduce<string>(
    (acc, key) => (typeof key === "number" ? `${acc}[${key}]` : `${acc}.${String(key)}`),
    root,
  );
  return `${path}: ${issue.message}`;
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, field: string, code: "invalid_request" | "invalid_op"): T {
  const result = schema.safeParse(value);
  if (!result.success) throw protocolError(code, describe(result.error, field), field);
  return result.data;
}

export function parseId(value: unknown, field: string): string {
  return parseWith(idSchema, value, field, "invalid_request");
}

export function parseSecret(value: unknown): string {
  return parseWith(secretSchema, value, "secret", "invalid_request");
}

export function parseScope(value: unknown): Scope {
  return parseWith(scopeSchema, value, "scope", "invalid_request");
}

export function parseOptionalProducer(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : parseId(value, "producer_id");
}

export function parseNonNegativeInt(value: unknown, field: string): number {
  return parseWith(nonNegativeIntSchema, value, field, "invalid_request");
}

/**
 * Validates a batch of ops against the limits. Their order is kept: the server
 * takes ops in the order sent, and a gap rejects itself and all after it.
 * Size checks run before the schema so an oversized call costs little.
 */
export function parseOps(value: unknown, limits: Limits): Op[] {
  if (!Array.isArray(value)) throw protocolError("invalid_request", "ops: expected an array", "ops");
  if (value.length === 0) throw protocolError("invalid_request", "ops: must hold at least one op", "ops");
  if (value.length > limits.ops_per_call_max) {
    throw protocolError("too_large", `ops: ${value.length} ops in one call, limit ${limits.ops_per_call_max}`, "ops");
  }
  let callBytes = 0;
  for (let i = 0; i < value.length; i++) {
    const bytes = jsonBytes(value[i]);
    if (bytes > limits.op_bytes_max) {
      throw protocolError("too_large", `ops[${i}]: ${bytes} bytes, limit ${limits.op_bytes_max}`, `ops[${i}]`);
    }
    callBytes += bytes;
  }
  if (callBytes > limits.call_bytes_max) {
    throw protocolError("too_large", `ops: ${callBytes} bytes in one call, limit ${limits.call_bytes_max}`, "ops");
  }
  return value.map((op, i) => fastOp(op) ?? parseWith(opSchema, op, `ops[${i}]`, "invalid_op"));
}

/** Body of `POST /api/share/:id/ops`: the write token from `/redeem`, the ops, and optionally the producer they are for. */
export function parseOpsRequest(value: unknown, limits: Limits): { token: string; producer_id: string | undefined; ops: Op[] } {
  const body = parseObject(value);
  for (const key of Object.keys(body)) {
    if (key !== "token" && key !== "ops" && key !== "producer_id") throw protocolError("invalid_request", `body.${key}: unknown field (send the token from /redeem, and the ops)`, `body.${key}`);
  }
  return {
    token: parseWith(secretSchema, body.token, "token", "invalid_request"),
    producer_id: parseOptionalProducer(body.producer_id),
    ops: parseOps(body.ops, limits),
  };
}

/** Body of `POST /api/share/:id/redeem`. */
export function parseRedeemRequest(value: unknown): { secret: string; scope: Scope; producer_id: string | undefined } {
  const body = parseObject(value);
  return {
    secret: parseSecret(body.secret),
    scope: body.scope === undefined ? "write" : parseScope(body.scope),
    producer_id: parseOptionalProducer(body.producer_id),
  };
}

export function parseObject(value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw protocolError("invalid_request", "body: expected a JSON object", "body");
  }
  return value as Record<string, unknown>;
}
