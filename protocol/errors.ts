// capnweb sends errors as plain `Error`s and drops subclasses, but it keeps an
// error's own enumerable properties. So every protocol error carries `code`.

export const ERROR_CODES = [
  "unknown_share",
  "bad_secret",
  "stale_epoch",
  "read_only",
  "invalid_op",
  "invalid_request",
  /** A writer capability (or REST token) bound to one producer was asked to append as another. */
  "wrong_producer",
  "too_large",
  "deadline",
  "connection_lost",
  /**
   * The node's storage refused to grow (SQLite's SQLITE_FULL). The refused
   * write applied nothing; the same call succeeds once space returns, so
   * callers retry it rather than give up.
   */
  "disk_full",
  "server_error",
  /** The server says it applied less of this producer than it once acknowledged: it lost acked ops, and no resend can fill the gap. */
  "server_behind",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ProtocolError extends Error {
  code: ErrorCode;
  /** Extra detail for the caller, e.g. the path of the invalid field. */
  detail?: string;
}

export function protocolError(code: ErrorCode, message: string, detail?: string): ProtocolError {
  const error = new Error(message) as ProtocolError;
  error.code = code;
  if (detail !== undefined) error.detail = detail;
  return error;
}

/** The protocol code of any thrown value, or undefined when it has none. */
export function errorCode(error: unknown): ErrorCode | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && (ERROR_CODES as readonly string[]).includes(code)
    ? (code as ErrorCode)
    : undefined;
}

/** HTTP status for a protocol error on the REST routes. */
export function httpStatus(code: ErrorCode): 400 | 401 | 403 | 404 | 409 | 413 | 500 | 504 | 507 {
  switch (code) {
    case "unknown_share":
      return 404;
    case "bad_secret":
      return 401;
    case "stale_epoch":
      return 409;
    case "read_only":
    case "wrong_producer":
      return 403;
    case "too_large":
      return 413;
    case "invalid_op":
    case "invalid_request":
      return 400;
    case "deadline":
      return 504;
    // 507 Insufficient Storage (RFC 4918 11.5): "unable to store the representation
    // needed to complete the request" is exactly this condition. 503 was the other
    // candidate, but it says "overloaded or down for maintenance" and invites
    // generic HTTP machinery to retry on its own schedule; 507 names the cause and
    // is still a 5xx (the server's trouble, not the request's). Our clients decide
    // what to do from the body's `code`, which is `disk_full` either way.
    case "disk_full":
      return 507;
    default:
      return 500;
  }
}
