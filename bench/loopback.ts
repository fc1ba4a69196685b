import type { RpcTransport } from "capnweb";
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { builtEntry, ensureBuilt } from "../build/fresh.mjs";
import { realTransport } from "../client-under-test/transports/by-name.ts";
import { wsSocketOpener } from "../client-under-test/transports/ws-socket.ts";
import type { Limits } from "../protocol/limits.ts";
import { within } from "./deadline.ts";
import type { Endpoint } from "./endpoint.ts";
import type { Ask, ChildConfig, FromChild, ToChild } from "./loopback-protocol.ts";
import type { Storage } from "./matrix.ts";
import type { Scratch } from "./storage.ts";

// Loopback mode: the server runs in a child process on 127.0.0.1 and the
// client reaches it over real sockets. The child is killed on every way out:
// close(), a failed start, and this process exiting.

/** The child runs the server as built into dist/ (see build/fresh.mjs). */
const CHILD_ENTRY = "bench/loopback-server.ts";

const children = new Set<ChildProcess>();
let exitHookInstalled = false;

function killAll(): void {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
}

export interface LoopbackEndpoint extends Endpoint {
  /** The server child's process id. */
  readonly pid: number;
  /** A fresh capnweb transport to the child's bare ping endpoint. */
  openPing(): Promise<RpcTransport>;
}

export async function loopbackEndpoint(storage: Storage, files: Scratch | null, limits: Limits, start_ms: number): Promise<LoopbackEndpoint> {
  if (!exitHookInstalled) {
    process.once("exit", killAll);
    exitHookInstalled = true;
  }
  const config: ChildConfig = { db_path: storage.synchronous === null ? null : files!.path("server"), synchronous: storage.synchronous, limits };
  ensureBuilt();
  // Plain JavaScript: the parent's loader flags (vitest's, say) must not leak in. Source maps, so its stacks name the .ts files.
  const child = fork(fileURLToPath(builtEntry(CHILD_ENTRY)), [JSON.stringify(config)], { execArgv: ["--enable-source-maps"], stdio: ["ignore", "ignore", "pipe", "ipc"] });
  children.add(child);
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    if (stderr.length < 4000) stderr += chunk;
  });

  const waiting = new Map<number, { resolve: (m: FromChild) => void; reject: (e: Error) => void }>();
  let nextID = 0;
  let exited: Error | undefined;
  let onReady: ((m: FromChild & { type: "ready" }) => void) | undefined;
  const gone = new Promise<never>((_, reject) => {
    child.once("exit", (code, signal) => {
      children.delete(child);
      exited = new Error(`loopback server exited (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim().split("\n").slice(-3).join(" | ")}` : ""}`);
      for (const w of waiting.values()) w.reject(exited);
      waiting.clear();
      reject(exited);
    });
  });
  gone.catch(() => {});
  child.on("message", (message: FromChild) => {
    if (message.type === "ready") return onReady?.(message);
    const w = message.id === null ? undefined : waiting.get(message.id);
    if (!w) return;
    waiting.delete(message.id!);
    if (message.type === "error") w.reject(new Error(`loopback server: ${message.message}`));
    else w.resolve(message);
  });

  const request = (message: Ask): Promise<FromChild> => {
    if (exited) return Promise.reject(exited);
    const id = ++nextID;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      child.send({ ...message, id } satisfies ToChild);
    });
  };

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    if (exited) return;
    // Closing the IPC channel asks the child to shut down cleanly; SIGKILL if it does not.
    if (child.connected) child.disconnect();
    await within(gone, 3000, "loopback server shutdown").catch(() => child.kill("SIGKILL"));
    children.delete(child);
  };

  let ready: { url: string; ping_url: string };
  try {
    ready = await within(
      Promise.race([new Promise<FromChild & { type: "ready" }>((resolve) => (onReady = resolve)), gone]),
      start_ms,
      "loopback server start",
    );
  } catch (error) {
    child.kill("SIGKILL");
    children.delete(child);
    throw error;
  }

  return {
    transport: (name) => realTransport(name, ready.url),
    async createShare(sessionID) {
      const reply = (await request({ type: "share", session_id: sessionID })) as FromChild & { type: "share" };
      return { id: reply.share_id, secret: reply.secret };
    },
    async counters() {
      const reply = (await request({ type: "counters" })) as FromChild & { type: "counters" };
      return { request_bytes: reply.request_bytes, server_cpu_us: reply.server_cpu_us };
    },
    pid: child.pid!,
    openPing: wsSocketOpener(ready.ping_url.replace(/^ws/, "http")),
    close,
  };
}
