// Errors every A2A binding maps onto: a client tells an ambiguous transport
// failure (`network`) from an answer the server gave.

export const A2A_ERROR_CODES = ["network", "task_not_found", "task_terminal", "invalid_request", "internal"] as const;
export type A2AErrorCode = (typeof A2A_ERROR_CODES)[number];

export class A2AError extends Error {
  readonly code: A2AErrorCode;
  constructor(code: A2AErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export function a2aError(code: A2AErrorCode, message: string): A2AError {
  return new A2AError(code, message);
}

/** The code of anything thrown across a binding; unknown throws are `network` when they look like a transport failure. */
export function codeOf(error: unknown): A2AErrorCode {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "string" && (A2A_ERROR_CODES as readonly string[]).includes(code)) return code as A2AErrorCode;
  return "network";
}
