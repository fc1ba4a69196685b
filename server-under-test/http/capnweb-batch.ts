// What may reach capnweb from the network: a batch is one capnweb message per
// line, each a JSON array whose first element names the message. capnweb
// answers anything else by throwing inside the server, which would read as a
// server error; the routes refuse it first, as the caller's mistake.

const MESSAGES = new Set(["push", "pull", "resolve", "reject", "release", "abort"]);
const LINES_MAX = 10_000;

/** Why a frame is not a capnweb message, or null when it is one. */
export function capnwebMessageProblem(line: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return "not JSON";
  }
  if (!Array.isArray(value) || typeof value[0] !== "string") return "not a JSON array starting with a message type";
  if (!MESSAGES.has(value[0])) return `unknown message type ${JSON.stringify(value[0]).slice(0, 40)}`;
  return null;
}

/** Why a body is not a capnweb batch, or null when every line is a capnweb message. */
export function capnwebBatchProblem(text: string): string | null {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  if (lines.length === 0) return "empty";
  if (lines.length > LINES_MAX) return `${lines.length} messages, limit ${LINES_MAX}`;
  for (let i = 0; i < lines.length; i++) {
    const problem = capnwebMessageProblem(lines[i]!);
    if (problem !== null) return `line ${i + 1}: ${problem}`;
  }
  return null;
}
