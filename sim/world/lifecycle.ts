import type { CrashPoint } from "../../protocol/ports.ts";
import type { Adversary } from "../adversary/adversary.ts";
import type { CoverageWatch } from "../coverage/coverage-watch.ts";
import type { FaultPlan } from "../faults/fault-plan.ts";
import type { FaultScheduler } from "../faults/fault-scheduler.ts";
import type { HistoryEventMap } from "../history/events.ts";
import type { History } from "../history/history.ts";
import type { Scheduler } from "../kernel/scheduler.ts";
import type { HttpNetwork } from "../network/http-network.ts";
import type { WsNetwork } from "../network/ws-network.ts";
import { ClientNode } from "../nodes/client-node.ts";
import { ServerNode } from "../nodes/server-node.ts";
import { ViewerNode } from "../nodes/viewer-node.ts";
import type { Observer } from "../observe/observer.ts";
import type { AnyNode, Roster } from "./roster.ts";
import type { CrashHow } from "../faults/fault-plan.ts";

const SYNCHRONOUS = ["OFF", "NORMAL", "FULL", "EXTRA"];

function shareExists(server: ServerNode, id: string): boolean {
  return server.inspect((db) => db.prepare(`SELECT 1 FROM shares WHERE id = ?`).get(id) !== undefined);
}

/** What a node has committed, as op keys: the server's log (producer#seq), or a client's outbox seqs up to what it knows is acked. */
function committedOps(node: ServerNode | ClientNode): string[] {
  if (node instanceof ServerNode) {
    return node.inspect((db) => (db.prepare(`SELECT producer_id || '#' || seq FROM share_log ORDER BY cursor`).pluck().all() as string[]));
  }
  const outbox = node.inspect();
  const seqs = outbox.pending.map((op) => String(op.seq));
  for (let seq = 1; seq <= outbox.acked_seq; seq++) seqs.push(String(seq));
  return seqs;
}

export interface LifecycleDeps {
  scheduler: Scheduler;
  history: History;
  faults: FaultPlan;
  roster: Roster;
  coverage: CoverageWatch;
  observer: Observer;
  adversary: Adversary;
  ws: WsNetwork;
  http: HttpNetwork;
  faultScheduler: FaultScheduler;
}

/** Processes dying and coming back, and the admin's revokes: what happens to nodes, as the faults decide. */
export class Lifecycle {
  readonly #d: LifecycleDeps;
  /** The admin's revokes, as the world made them. */
  readonly revokes: { share_index: number; t: number }[] = [];

  constructor(deps: LifecycleDeps) {
    this.#d = deps;
  }

  /** Kills a process: its sessions, pending calls and timers are gone; its committed state stays. With `how.power_loss` its host loses power instead. */
  crash(name: string, cause: string, point: CrashPoint | null, restart_after_ms?: number, how?: CrashHow): void {
    if (how?.power_loss) return this.powerLoss(name, cause, point, how.torn, restart_after_ms);
    const d = this.#d;
    const node = d.roster.node(name);
    if (!node.up) return;
    const silent = d.faults.crashIsSilent(name);
    d.history.record(d.scheduler.now, name, "crash", silent ? { cause, silent } : { cause });
    if (silent) {
      d.faults.count("crash_silent");
      d.http.blackhole(d.roster.server.endpoint()!.incarnation);
    }
    d.ws.dropNode(name, silent);
    d.coverage.crashed(name, silent);
    if (name === "server") d.adversary.serverDown();
    node.crash();
    if (node instanceof ServerNode) {
      // After the dead process's transaction has unwound and rolled back (its disk captures in a microtask too).
      const t = d.scheduler.now;
      queueMicrotask(() => d.observer.serverDied(t, (fn) => node.inspect(fn)));
    }
    d.scheduler.after(d.faults.restartDelay(name, point, restart_after_ms), () => this.restart(name));
  }

  /**
   * The host loses power: the process dies without a word on the wire (its
   * connections black-hole, as a dead kernel sends nothing), and its SQLite
   * files keep only what was durable (sim/storage/db-files.ts).
   */
  powerLoss(name: string, cause: string, point: CrashPoint | null, torn?: boolean, restart_after_ms?: number): void {
    const d = this.#d;
    const node = d.roster.node(name);
    if (!node.up || node instanceof ViewerNode) return;
    d.history.record(d.scheduler.now, name, "crash", { cause, power_loss: true });
    if (node instanceof ServerNode) d.http.blackhole(node.endpoint()!.incarnation);
    d.ws.dropNode(name, true);
    d.coverage.crashed(name, true);
    if (name === "server") d.adversary.serverDown();
    const before = committedOps(node);
    const synchronous = SYNCHRONOUS[node.liveDb!.pragma("synchronous", { simple: true }) as number] ?? "?";
    const report = node.powerLoss((n) => d.faults.walCut(n), torn ?? d.faults.tornWal())!;
    const after = new Set(committedOps(node));
    const ops_lost = before.filter((op) => !after.has(op));
    d.history.record(d.scheduler.now, name, "power_loss", { cause, synchronous, commits_kept: report.commits_kept, commits_lost: report.commits_lost, torn: report.torn, ops_lost });
    if (node instanceof ServerNode && report.commits_lost > 0) d.coverage.reached("power_loss_server_lost_commits", name);
    if (node instanceof ClientNode) d.coverage.reached("power_loss_client", name);
    if (report.torn) d.coverage.reached("torn_wal_tail", name);
    d.scheduler.after(d.faults.restartDelay(name, point, restart_after_ms), () => this.restart(name));
  }

  restart(name: string): void {
    const d = this.#d;
    const node = d.roster.node(name);
    if (node.up) return;
    // A viewer that closed the page while down stays closed.
    if (node instanceof ViewerNode && node.left) return;
    node.start();
    d.history.record(d.scheduler.now, name, "restart", this.#restartFacts(node));
    if (node instanceof ServerNode) d.faultScheduler.serverRestarted();
    if (node instanceof ViewerNode) d.observer.restarted(name);
    if (node instanceof ClientNode) {
      d.observer.sampleClient(name);
      if (node.inspect().pending.length > 0) d.coverage.reached("restart_with_pending", name);
      node.resume();
    }
  }

  #restartFacts(node: AnyNode): HistoryEventMap["restart"] {
    if (node instanceof ViewerNode) {
      const state = node.viewer.status().view;
      return { cursor: state.cursor, joined: state.joined };
    }
    if (node instanceof ServerNode) {
      const store = node.server.store;
      return { incarnation: node.incarnations, cursors: Object.fromEntries(this.#d.roster.liveShares().map((s) => [s.id, store.parts.cursors.get(s.id)])) };
    }
    const status = node.client.status();
    return { acked_seq: status.sync.acked_seq, pending: status.pending, cursor: status.sync.cursor };
  }

  /** The world's admin revokes a share, rotating its secret when asked. */
  revoke(index: number, rotate: boolean): void {
    const d = this.#d;
    const share = d.roster.shares[index]!;
    const t = d.scheduler.now;
    const server = d.roster.server;
    if (!server.up) {
      d.history.record(t, "admin", "revoke_skipped", { share: share.id, reason: "server down" });
      return;
    }
    const store = server.server.store;
    // A power loss under synchronous=NORMAL can take the share itself with it: nothing is left to revoke.
    if (!shareExists(server, share.id)) {
      d.history.record(t, "admin", "revoke_skipped", { share: share.id, reason: "share lost" });
      return;
    }
    d.coverage.revoking();
    const { epoch } = store.redeem(share.id, share.secret);
    const revoked = store.revoke({ share_id: share.id, epoch, scope: "write" }, rotate);
    this.revokes.push({ share_index: index, t });
    d.faults.count("revoke");
    if (revoked.secret !== undefined) {
      share.secret = revoked.secret;
      share.secret_rotated_at = t;
    }
  }

  /**
   * Retires the world once judged: every process dies where it stands, then
   * fetches still in flight fail, so nothing of this run outlives it.
   */
  dispose(): void {
    const d = this.#d;
    d.roster.server.retire();
    for (const client of d.roster.clients) client.retire();
    for (const viewer of d.roster.viewers) viewer.retire();
    d.http.end();
    for (const node of [d.roster.server, ...d.roster.clients, ...d.roster.viewers]) node.dispose();
  }
}
