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
  "server_error",
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
export function httpStatus(code: ErrorCode): 400 | 401 | 403 | 404 | 409 | 413 | 500 | 504 {
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
    default:
      return 500;
  }
}
