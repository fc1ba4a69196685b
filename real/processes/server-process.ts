import { fileURLToPath } from "node:url";
import { builtEntry, ensureBuilt } from "../../build/fresh.mjs";
import { type Child, startChild } from "./children.ts";
import type { ForbiddenAttempt, ForbiddenProbeData } from "../../sim/adversary/attempts.ts";
import type { Synchronous } from "../../sim/storage/db-files.ts";
import type { AdversaryShare, FromServerChild, ServerChildConfig, ToServerChild } from "./server-protocol.ts";

const ENTRY = "real/processes/server-entry.ts";
/** Wall bound on a start or an answer: a child that says nothing by then is killed. */
const ANSWER_MS = 15_000;

type Request = ToServerChild extends infer T ? (T extends { id: number } ? Omit<T, "id"> : never) : never;

/** The harness's handle on one incarnation of the real server process. */
export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  readonly exited: Child["exited"];
  /** Its database's synchronous level: what a power loss may take. */
  readonly synchronous: Synchronous;
  createShare(session_id: string): Promise<{ share_id: string; secret: string }>;
  /** The admin's revoke, with the secret the world holds; `skipped` says why nothing was revoked. */
  revoke(share_id: string, secret: string, rotate: boolean): Promise<{ epoch: number; secret: string | null; skipped: string | null }>;
  setDiskFull(full: boolean): Promise<void>;
  /** The adversary redeems a writer to keep, for a stale attempt after a revoke. */
  keepWriter(share: AdversaryShare): Promise<void>;
  forbidden(attempt: ForbiddenAttempt, share: AdversaryShare): Promise<ForbiddenProbeData>;
  /** Closes its sockets and database in order, then exits. */
  stop(): Promise<void>;
  /** SIGKILL to its process group. */
  kill(): void;
}

export async function startServerProcess(config: ServerChildConfig, options: { stderr?: (line: string) => void } = {}): Promise<ServerProcess> {
  ensureBuilt();
  const child = startChild(fileURLToPath(builtEntry(ENTRY)), config, options);
  let nextId = 1;
  const waiting = new Map<number, (m: FromServerChild) => void>();
  let onReady: ((m: { url: string; synchronous: Synchronous }) => void) | undefined;
  child.process.on("message", (m: FromServerChild) => {
    if (m.type === "ready") onReady?.(m);
    else waiting.get(m.id)?.(m), waiting.delete(m.id);
  });
  const died = child.exited.then(({ code, signal }) => new Error(`the server process ended (${signal ?? `exit ${code}`})`));
  const bounded = <T>(what: string, p: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        child.kill();
        reject(new Error(`the server process did not ${what} within ${ANSWER_MS} ms`));
      }, ANSWER_MS);
    });
    return Promise.race([p, late, died.then((e) => Promise.reject(e))]).finally(() => clearTimeout(timer));
  };
  const ask = (request: Request): Promise<FromServerChild> =>
    bounded(
      `answer ${request.type}`,
      new Promise((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        child.process.send({ ...request, id } as ToServerChild);
      }),
    );
  const { url, synchronous } = await bounded("start", new Promise<{ url: string; synchronous: Synchronous }>((resolve) => (onReady = resolve)));
  const expect = async <T extends FromServerChild["type"]>(type: T, request: Request): Promise<Extract<FromServerChild, { type: T }>> => {
    const answer = await ask(request);
    if (answer.type !== type) throw new Error(answer.type === "error" ? answer.message : `unexpected answer ${answer.type}`);
    return answer as Extract<FromServerChild, { type: T }>;
  };
  return {
    url,
    synchronous,
    pid: child.pid,
    exited: child.exited,
    async createShare(session_id) {
      const answer = await expect("share", { type: "share", session_id });
      return { share_id: answer.share_id, secret: answer.secret };
    },
    async revoke(share_id, secret, rotate) {
      const { epoch, secret: rotated, skipped } = await expect("revoked", { type: "revoke", share_id, secret, rotate });
      return { epoch, secret: rotated, skipped };
    },
    async setDiskFull(full) {
      await expect("done", { type: "disk_full", full });
    },
    async keepWriter(share) {
      await expect("done", { type: "keep_writer", share });
    },
    async forbidden(attempt, share) {
      return (await expect("probe", { type: "forbidden", attempt, share })).probe;
    },
    async stop() {
      await ask({ type: "stop" }).catch(() => child.kill());
      await child.exited;
    },
    kill: () => child.kill(),
  };
}
