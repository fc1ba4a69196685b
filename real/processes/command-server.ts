import { readFileSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { startCommand } from "./children.ts";
import type { ServerProcess } from "./server-process.ts";

// A server someone else wrote, run as a black box (`replaysim real
// --server-cmd CMD`): a shell command line the harness starts in a process
// group of its own, with `{port}` and `{db}` filled in. The harness knows its
// port and nothing else about it: it is ready when it answers HTTP, it is
// killed with SIGKILL to its group, and shares are made through the protocol
// (`POST /api/share`). Everything that needs its insides (an IPC revoke, a
// full disk, the in-process adversary, its crash points, its files after a
// power loss) is not there: the world skips those (real/world/real-run.ts).

/** Wall bound on a start: a command that does not answer HTTP by then is killed. */
const START_MS = 15_000;
/** Wall bound on one HTTP request the harness makes itself. */
const REQUEST_MS = 5_000;
/** After SIGTERM at the end of a run, the group gets this long before SIGKILL. */
const STOP_MS = 3_000;

export interface CommandServerConfig {
  /** The command line, with `{port}` (required) and `{db}` still in it. */
  command: string;
  port: number;
  db_path: string;
  /** The command's stdout and stderr are appended here. */
  log_path: string;
}

/** The command line as run: `{port}` and `{db}` replaced (the db path single-quoted for sh). */
export function commandLine(command: string, port: number, db_path: string): string {
  return command.replaceAll("{port}", String(port)).replaceAll("{db}", shellQuote(db_path));
}

export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** A free TCP port on loopback, as the OS hands one out (closed again before it returns). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}

export interface HttpAnswer {
  status: number;
  body: string;
}

/** One HTTP request to the server itself (not through a proxy), bounded in time. */
export function httpRequest(url: string, method: string, options: { body?: unknown; headers?: Record<string, string>; timeout_ms?: number } = {}): Promise<HttpAnswer> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent: false,
        headers: { ...(body !== undefined ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) } : {}), connection: "close", ...options.headers },
        timeout: options.timeout_ms ?? REQUEST_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${url}: no answer within ${options.timeout_ms ?? REQUEST_MS} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** The last lines of the command's log, for an error message. */
function tail(path: string, lines = 8): string {
  try {
    const text = readFileSync(path, "utf8").trimEnd();
    return text ? `\n  its output ended with:\n    ${text.split("\n").slice(-lines).join("\n    ")}` : "";
  } catch {
    return "";
  }
}

/**
 * Starts the command and waits (15 s at most) until its port answers an HTTP
 * request, any answer. A command that exits first, or is not up by then, is
 * killed as a group and the start fails, naming why and its last output.
 */
export async function startCommandServer(config: CommandServerConfig): Promise<ServerProcess> {
  const line = commandLine(config.command, config.port, config.db_path);
  const child = startCommand(line, config.log_path);
  const url = `http://127.0.0.1:${config.port}`;
  let ended: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  void child.exited.then((e) => (ended = e));
  const deadline = performance.now() + START_MS;
  for (;;) {
    if (ended !== null) {
      const { code, signal } = ended;
      throw new Error(`the server command ended before it answered on port ${config.port} (${signal ?? `exit ${code}`}): ${line}${tail(config.log_path)}`);
    }
    if (performance.now() >= deadline) {
      child.kill();
      await child.exited;
      throw new Error(`the server command did not answer HTTP on port ${config.port} within ${START_MS} ms: ${line}${tail(config.log_path)}`);
    }
    const up = await httpRequest(`${url}/api/share/x`, "GET", { timeout_ms: 1_000 }).then(
      () => true,
      () => false,
    );
    if (up && ended === null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const notThere = (what: string) => () => Promise.reject(new Error(`${what}: not available for a server run as a black box (--server-cmd)`));
  return {
    url,
    pid: child.pid,
    exited: child.exited,
    // Nothing is known of its storage; a power loss is never applied to it.
    synchronous: "FULL",
    async createShare(session_id) {
      const answer = await httpRequest(`${url}/api/share`, "POST", { body: { session_id } });
      let json: { id?: unknown; secret?: unknown } = {};
      try {
        json = JSON.parse(answer.body) as typeof json;
      } catch {
        // Reported below.
      }
      if (answer.status < 200 || answer.status >= 300 || typeof json.id !== "string" || typeof json.secret !== "string") {
        throw new Error(`POST /api/share answered ${answer.status} ${answer.body.slice(0, 300)}: expected 201 with {id, secret, url} (docs/protocol.md, "REST routes")`);
      }
      return { share_id: json.id, secret: json.secret };
    },
    revoke: notThere("revoke"),
    setDiskFull: notThere("disk full"),
    keepWriter: notThere("the adversary's writer"),
    forbidden: notThere("the adversary"),
    async stop() {
      await child.stop(STOP_MS);
    },
    kill: () => child.kill(),
  };
}
