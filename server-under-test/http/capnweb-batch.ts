// What may reach capnweb from the network: a batch is one capnweb message per
// line, each a JSON array whose first element names the message. capnweb
// answers anything else by throwing inside the server, which would read as a
// server error; the routes refuse it first, as the caller's mistake.

const MESSAGES = new Set(["push", "pull", "resolve", "reject", "release", "abort"]);
const LINES_MAX = 10_000;

/** The literal value expressions a client may send this server. It takes no promises or streams from clients, and a stub only where `FrameAllowance` says. */
const LITERALS: Readonly<Record<string, (args: unknown[]) => boolean>> = {
  undefined: (a) => a.length === 0,
  inf: (a) => a.length === 0,
  "-inf": (a) => a.length === 0,
  nan: (a) => a.length === 0,
  bigint: (a) => a.length === 1 && typeof a[0] === "string",
  date: (a) => a.length === 1 && typeof a[0] === "number",
  bytes: (a) => a.length === 1 && typeof a[0] === "string",
};
const VALUE_DEPTH_MAX = 64;

/** What a frame may carry besides plain values. */
export interface FrameAllowance {
  /**
   * A stub the client exports (`["export", id]`), e.g. the listener of
   * `subscribe`. Only on a WebSocket: a stub in an HTTP batch would die with
   * the batch before the server could call it.
   */
  exports: boolean;
}

const NO_EXPORTS: FrameAllowance = { exports: false };

/** Why an argument is not a capnweb value this server takes: arrays travel escaped (`[[...]]`) or as a literal expression. */
function valueProblem(value: unknown, allow: FrameAllowance, depth = 0): string | null {
  if (depth > VALUE_DEPTH_MAX) return "a value nested too deep";
  if (Array.isArray(value)) {
    if (value.length === 1 && Array.isArray(value[0])) {
      for (const item of value[0]) {
        const problem = valueProblem(item, allow, depth + 1);
        if (problem !== null) return problem;
      }
      return null;
    }
    if (value[0] === "export" && allow.exports) return value.length === 2 && Number.isInteger(value[1]) ? null : "a malformed export";
    const check = typeof value[0] === "string" ? LITERALS[value[0]] : undefined;
    return check && check(value.slice(1)) ? null : "an array that is neither an escaped array nor a literal expression";
  }
  if (typeof value === "object" && value !== null) {
    for (const item of Object.values(value)) {
      const problem = valueProblem(item, allow, depth + 1);
      if (problem !== null) return problem;
    }
  }
  return null;
}

/** Why a frame is not a capnweb message, or null when it is one. */
export function capnwebMessageProblem(line: string, allow: FrameAllowance = NO_EXPORTS): string | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return "not JSON";
  }
  if (!Array.isArray(value) || typeof value[0] !== "string") return "not a JSON array starting with a message type";
  if (!MESSAGES.has(value[0])) return `unknown message type ${JSON.stringify(value[0]).slice(0, 40)}`;
  if (value[0] === "push") {
    const expr = value[1];
    if (!Array.isArray(expr) || expr[0] !== "pipeline" || !Number.isInteger(expr[1])) return "a push must pipeline a call";
    if (!Array.isArray(expr[2]) || !expr[2].every((p: unknown) => typeof p === "string" || Number.isInteger(p))) return "a call path must name properties";
    if (expr.length > 4 || (expr[3] !== undefined && !Array.isArray(expr[3]))) return "call arguments must be a list";
    for (const arg of (expr[3] as unknown[] | undefined) ?? []) {
      const problem = valueProblem(arg, allow);
      if (problem !== null) return `an argument is ${problem}`;
    }
  }
  return null;
}

/**
 * Why a body is not a capnweb batch a client may send, or null when it is one.
 * Besides the shape of each message, it follows the batch's import ids: a
 * client batch pushes calls and pulls or releases their results; a pipeline
 * may only start from the main object (0) or an earlier push, and a pull or a
 * release only name an earlier push. capnweb runs a batch line by line, so a
 * mistake found late would leave the calls before it applied under a refusal:
 * the whole batch is checked before any of it runs.
 */
export function capnwebBatchProblem(text: string): string | null {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  if (lines.length === 0) return "empty";
  if (lines.length > LINES_MAX) return `${lines.length} messages, limit ${LINES_MAX}`;
  let pushes = 0;
  for (let i = 0; i < lines.length; i++) {
    const problem = capnwebMessageProblem(lines[i]!);
    if (problem !== null) return `line ${i + 1}: ${problem}`;
    const message = JSON.parse(lines[i]!) as unknown[];
    const known = (id: unknown, main: boolean) => Number.isInteger(id) && ((main && id === 0) || ((id as number) >= 1 && (id as number) <= pushes));
    switch (message[0]) {
      case "push":
        if (!known((message[1] as unknown[])[1], true)) return `line ${i + 1}: a push must pipeline a call from the main object or an earlier push`;
        pushes++;
        break;
      case "pull":
        if (!known(message[1], false) || message.length !== 2) return `line ${i + 1}: a pull must name an earlier push`;
        break;
      case "release":
        if (!known(message[1], false) || !Number.isInteger(message[2]) || (message[2] as number) < 1) return `line ${i + 1}: a release must name an earlier push and a count`;
        break;
      default:
        return `line ${i + 1}: a client batch only pushes, pulls and releases`;
    }
  }
  return null;
}

/** A capnweb `abort` carrying an error with a code, as capnweb itself serializes errors. */
export function refusalFrame(message: string): string {
  return JSON.stringify(["abort", ["error", "Error", message, null, { code: "invalid_request" }]]);
}

/**
 * Hands one WebSocket frame to a capnweb session, or refuses it: a frame that
 * is not a capnweb message gets a coded `abort` and ends the session. Returns
 * false when the frame was refused.
 */
export function deliverFrame(frame: string, transport: { deliver(frame: string): void; fail(): void }, reply: (frame: string) => void): boolean {
  const problem = capnwebMessageProblem(frame, { exports: true });
  if (problem === null) {
    transport.deliver(frame);
    return true;
  }
  reply(refusalFrame(`frame is not a capnweb message (${problem})`));
  transport.fail();
  return false;
}
