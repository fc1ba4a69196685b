import type { HistoryEvent } from "../sim/history/history.ts";
import { emptyKeys, matchesWitness, mergeKeys, witnessNamesEvents, witnessQuery, type Keys, type WitnessQuery } from "./timeline-keys.ts";

// Turns a run's history into what a Lamport diagram draws: one lane per node,
// rows in history order (each row is one node at one virtual instant), arrows
// for requests, responses and frames, bands for partitions, stalls and downtime,
// and the series the charts plot. Pure data: timeline-svg.ts draws it.

export type LaneKind = "server" | "client" | "viewer" | "node";

export interface Lane {
  name: string;
  kind: LaneKind;
  /** e.g. "share 0 · write"; filled from the node's start event. */
  subtitle: string;
  witness: boolean;
}

/** How a row's mark looks, in rising order of importance. */
export type Glyph = "none" | "arrive" | "dot" | "ok" | "fault" | "cut" | "restart" | "crash";
const GLYPH_RANK: Record<Glyph, number> = { none: 0, arrive: 1, dot: 2, ok: 3, fault: 4, cut: 5, restart: 6, crash: 7 };

/** How a label reads: red for what broke, green for what came back, orange for injected faults. */
export type Tone = "plain" | "bad" | "good" | "fault";
const TONE: Record<Glyph, Tone> = { none: "plain", arrive: "plain", dot: "plain", ok: "plain", fault: "fault", cut: "bad", restart: "good", crash: "bad" };

export interface Label {
  text: string;
  tone: Tone;
  /** What the event behind this label names, for the witness. */
  keys: Keys;
  witness: boolean;
}

export interface Row {
  index: number;
  t: number;
  /** Index into lanes; -1 for a world event drawn across every lane. */
  lane: number;
  glyph: Glyph;
  labels: Label[];
  /** One line per event, for the tooltip. */
  details: string[];
  keys: Keys;
  witness: boolean;
}

export type ArrowKind = "request" | "response" | "frame" | "duplicate";

export interface Arrow {
  kind: ArrowKind;
  fromLane: number;
  fromRow: number;
  toLane: number;
  toRow: number;
  /** 1 for a delivered message; below 1 it stops that far across, at a cross: lost. */
  reach: number;
  label: string;
  detail: string;
  keys: Keys;
  witness: boolean;
  /** Bookkeeping only (capnweb's release frames): drawn faintly. */
  minor: boolean;
}

export type BandKind = "partition" | "stall" | "down" | "ws_stall";

export interface Band {
  kind: BandKind;
  lane: number;
  fromRow: number;
  toRow: number;
  label: string;
}

/** A step series over virtual time. */
export interface Series {
  name: string;
  points: [t: number, value: number][];
}

export interface Chart {
  title: string;
  series: Series[];
}

export interface TimelineModel {
  lanes: Lane[];
  rows: Row[];
  arrows: Arrow[];
  bands: Band[];
  charts: Chart[];
  end_t: number;
  /** The first violation's witness as the diagram sees it; null without a violation. */
  witness: WitnessQuery | null;
  /** Index of the first row that shows a witness event, or null. */
  firstWitnessRow: number | null;
}

const WORLD_NODES = new Set(["world"]);
const SKIPPED_NODES = new Set(["checker"]);
/** capnweb frames that only manage references: they say nothing about ops. */
const MINOR_FRAMES = new Set(["release"]);
/** Events recorded under a pseudo node that belong on the server's lane. */
const SERVER_ALIASES = new Set(["admin", "all"]);

interface Pending {
  lane: number;
  row: number;
  label: string;
  keys: Keys;
  detail: string;
  /** Where the answer leaves from, once the server handled it. */
  answerRow?: number;
  answerDropped?: boolean;
  answerStatus?: number | null;
}

function range(lo: number, hi: number): string {
  return lo === hi ? `#${lo}` : `#${lo}–${hi}`;
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s` : `${ms} ms`;
}

function laneKind(name: string): LaneKind {
  if (name === "server") return "server";
  if (name.startsWith("client-")) return "client";
  if (name.startsWith("viewer-")) return "viewer";
  return "node";
}

/** Lanes: the server, then clients and viewers by number, then anything else by name. */
function laneOrder(a: string, b: string): number {
  const rank = (n: string) => ["server", "client", "viewer", "node"].indexOf(laneKind(n));
  const num = (n: string) => Number(/-(\d+)$/.exec(n)?.[1] ?? 0);
  return rank(a) - rank(b) || num(a) - num(b) || (a < b ? -1 : a > b ? 1 : 0);
}

class Builder {
  readonly lanes: Lane[] = [];
  readonly rows: Row[] = [];
  readonly arrows: Arrow[] = [];
  readonly bands: Band[] = [];
  readonly #laneIndex = new Map<string, number>();
  readonly #producers = new Map<string, string>();
  readonly #shareNames = new Map<string, string>();
  readonly #shareOfLane = new Map<string, string>();
  readonly #requests = new Map<string, Pending>();
  readonly #segments = new Map<string, Pending>();
  /** Calls a client made in this instant that no request carries yet (HTTP sends after the call). */
  readonly #callsWaiting = new Map<string, { t: number; keys: Keys; label: string }>();
  /** A client's latest WebSocket send, which a call made in the same instant rides (capnweb sends first). */
  readonly #lastWsSend = new Map<string, { t: number; pending: Pending }>();
  readonly #open = new Map<string, { kind: BandKind; row: number; label: string }>();
  readonly #transport: string;
  readonly charts = new Map<string, Chart>();
  readonly #outbox = new Map<string, { seq: number; acked: number }>();
  readonly #cursors = new Map<string, number>();

  constructor(nodes: string[], transport: string) {
    this.#transport = transport;
    for (const name of nodes.sort(laneOrder)) this.#lane(name);
  }

  #lane(name: string): number {
    let i = this.#laneIndex.get(name);
    if (i === undefined) {
      i = this.lanes.length;
      this.lanes.push({ name, kind: laneKind(name), subtitle: "", witness: false });
      this.#laneIndex.set(name, i);
    }
    return i;
  }

  laneOfProducer = (producer: string): string | undefined => this.#producers.get(producer);
  shareName = (id: string): string | undefined => this.#shareNames.get(id);
  shareOfLane = (lane: string): string | undefined => this.#shareOfLane.get(lane);

  /** The row of `lane` at `t`: the current one if the previous event happened there too. */
  #row(t: number, lane: number): Row {
    const last = this.rows[this.rows.length - 1];
    if (last && last.t === t && last.lane === lane) return last;
    const row: Row = { index: this.rows.length, t, lane, glyph: "none", labels: [], details: [], keys: emptyKeys(), witness: false };
    this.rows.push(row);
    return row;
  }

  #mark(row: Row, glyph: Glyph, label: string | null, detail: string, keys?: Keys): void {
    if (GLYPH_RANK[glyph] > GLYPH_RANK[row.glyph]) row.glyph = glyph;
    if (label) row.labels.push({ text: label, tone: TONE[glyph], keys: keys ?? emptyKeys(), witness: false });
    row.details.push(detail);
    if (keys) mergeKeys(row.keys, keys);
  }

  #seqKeys(lane: string, lo: number, hi: number): Keys {
    return { seqs: [{ lane, lo, hi }], ops: [], cursors: [] };
  }

  #series(chart: string, title: string, name: string): Series {
    let c = this.charts.get(chart);
    if (!c) this.charts.set(chart, (c = { title, series: [] }));
    let s = c.series.find((x) => x.name === name);
    if (!s) c.series.push((s = { name, points: [] }));
    return s;
  }

  #outboxPoint(t: number, lane: string): void {
    const o = this.#outbox.get(lane)!;
    const chart = `client:${lane}`;
    const title = `${lane}: outbox depth and acked seq`;
    this.#series(chart, title, "outbox depth").points.push([t, o.seq - o.acked]);
    this.#series(chart, title, "acked seq").points.push([t, o.acked]);
  }

  #cursorPoint(t: number, share: string, cursor: number): void {
    this.#cursors.set(share, cursor);
    this.#series(`share:${share}`, `${share}: server cursor`, "cursor").points.push([t, cursor]);
  }

  #openBand(key: string, kind: BandKind, row: Row, label: string): void {
    if (!this.#open.has(key)) this.#open.set(key, { kind, row: row.index, label });
  }

  #closeBand(key: string, lane: number, row: Row): void {
    const open = this.#open.get(key);
    if (!open) return;
    this.#open.delete(key);
    this.bands.push({ kind: open.kind, lane, fromRow: open.row, toRow: row.index, label: open.label });
  }

  event(e: HistoryEvent): void {
    if (SKIPPED_NODES.has(e.node)) return;
    const d = e.data as Record<string, unknown>;
    const num = (k: string) => d[k] as number;
    const str = (k: string) => String(d[k]);
    if (WORLD_NODES.has(e.node)) {
      const row = this.#row(e.t, -1);
      this.#mark(row, "dot", e.type === "heal" ? "faults healed · liveness phase" : e.type, `${e.type} at ${e.t} ms`);
      return;
    }
    const node = SERVER_ALIASES.has(e.node) ? "server" : e.node;
    const own = this.#lane(node);
    const server = this.#lane("server");
    const at = (lane: number) => this.#row(e.t, lane);
    switch (e.type) {
      case "start": {
        const row = at(own);
        if (node === "server") {
          (d.shares as string[] | undefined)?.forEach((id, i) => this.#shareNames.set(id, `share ${i}`));
          this.#mark(row, "dot", "start", `server starts with ${this.#shareNames.size} share(s)`);
          for (const share of this.#shareNames.values()) this.#cursorPoint(e.t, share, 0);
        } else {
          const share = this.#shareNames.get(str("share")) ?? str("share");
          if (typeof d.producer === "string") this.#producers.set(d.producer, node);
          this.#shareOfLane.set(node, share);
          this.lanes[own]!.subtitle = [share, d.scope === "read" ? "read-only" : "", d.secret === "wrong" ? "wrong secret" : ""].filter(Boolean).join(" · ");
          this.#mark(row, "dot", "start", `${node} starts: producer ${str("producer")}, ${share}, scope ${str("scope")}, secret ${str("secret")}`);
          this.#outbox.set(node, { seq: 0, acked: 0 });
          this.#outboxPoint(e.t, node);
        }
        return;
      }
      case "enqueue_committed": {
        const seq = num("seq");
        const keys = this.#seqKeys(node, seq, seq);
        keys.ops.push(str("op_id"));
        this.#mark(at(own), "dot", `enq #${seq}`, `enqueue committed: seq ${seq}, ${str("op_id")}`, keys);
        const o = this.#outbox.get(node);
        if (o) {
          o.seq = Math.max(o.seq, seq);
          this.#outboxPoint(e.t, node);
        }
        return;
      }
      case "enqueue_interrupted":
        this.#mark(at(own), "fault", "enq lost in crash", `enqueue of a ${str("kind")} op died with the process`);
        return;
      case "enqueue_refused":
        this.#mark(at(own), "fault", `enq refused: ${str("code")}`, `enqueue refused: ${str("code")}: ${str("message")}`);
        return;
      case "call_sent": {
        const [lo, hi] = [num("seq_from"), num("seq_to")];
        const keys = this.#seqKeys(node, lo, hi);
        const row = at(own);
        this.#mark(row, "dot", null, `appendOps sent: seq ${lo}..${hi}`, keys);
        const ws = this.#lastWsSend.get(node);
        if (this.#transport === "websocket" && ws && ws.t === e.t) {
          // capnweb wrote the call's frames before the probe fired: it rides that segment.
          ws.pending.label = ws.pending.label ? `${ws.pending.label} ${range(lo, hi)}` : range(lo, hi);
          mergeKeys(ws.pending.keys, keys);
        } else {
          const waiting = this.#callsWaiting.get(node);
          if (waiting && waiting.t === e.t) {
            waiting.label += ` ${range(lo, hi)}`;
            mergeKeys(waiting.keys, keys);
          } else this.#callsWaiting.set(node, { t: e.t, keys, label: range(lo, hi) });
        }
        return;
      }
      case "ack_received": {
        const keys = this.#seqKeys(node, num("last_seq"), num("last_seq"));
        const share = this.#shareOfLane.get(node);
        if (share) keys.cursors.push({ share, lo: num("cursor"), hi: num("cursor") });
        const extra = [num("duplicates") ? `${num("duplicates")} dup` : "", num("rejected") ? `${num("rejected")} rejected` : ""].filter(Boolean).join(", ");
        this.#mark(at(own), "ok", `ack ≤${num("last_seq")} cur ${num("cursor")}${extra ? ` (${extra})` : ""}`, `ack: last_seq ${num("last_seq")}, cursor ${num("cursor")}, applied ${num("applied")}, duplicates ${num("duplicates")}, rejected ${num("rejected")}`, keys);
        return;
      }
      case "marked_acked": {
        const row = at(own);
        const acked = num("acked_seq");
        const said = row.labels.some((l) => l.text.startsWith(`ack ≤${acked} `) || l.text.includes(`last #${acked} `));
        this.#mark(row, "ok", said ? null : `acked ≤${acked}`, `marked acked: seq ≤ ${acked}`, this.#seqKeys(node, acked, acked));
        const o = this.#outbox.get(node);
        if (o) {
          o.acked = Math.max(o.acked, acked);
          this.#outboxPoint(e.t, node);
        }
        return;
      }
      case "cursor_recorded": {
        const row = at(own);
        const cursor = num("cursor");
        const share = this.#shareNames.get(str("share")) ?? str("share");
        const said = row.labels.some((l) => l.text.includes(`cur ${cursor}`));
        this.#mark(row, "ok", said ? null : `cur ${cursor}`, `cursor recorded: ${cursor}`, { seqs: [], ops: [], cursors: [{ share, lo: cursor, hi: cursor }] });
        return;
      }
      case "redeemed": {
        const share = this.#shareNames.get(str("share")) ?? str("share");
        const keys: Keys = { seqs: [{ lane: node, lo: num("last_seq"), hi: num("last_seq") }], ops: [], cursors: [{ share, lo: num("cursor"), hi: num("cursor") }] };
        this.#mark(at(own), "ok", `redeem${num("epoch") > 0 ? ` epoch ${num("epoch")}` : ""}: last #${num("last_seq")} cur ${num("cursor")}`, `redeemed ${share}: epoch ${num("epoch")}, last_seq ${num("last_seq")}, cursor ${num("cursor")}`, keys);
        return;
      }
      case "session_failed":
        this.#mark(at(own), "fault", `session failed: ${str("code")}`, `session failed: ${str("code")}: ${str("message")}`);
        return;
      case "client_stopped":
        this.#mark(at(own), "crash", `stopped: ${str("code")}`, `client stopped for good: ${str("code")}: ${str("message")}`);
        return;
      case "applied": {
        const [lo, hi] = [num("seq_from"), num("seq_to")];
        const producer = this.#producers.get(str("producer")) ?? str("producer");
        const share = this.#shareNames.get(str("share")) ?? str("share");
        const cursor = num("cursor_to");
        const keys: Keys = { seqs: [{ lane: producer, lo, hi }], ops: [], cursors: [{ share, lo: cursor - num("count") + 1, hi: cursor }] };
        // The share is the producer's own (its lane says which); only an unusual epoch or scope is worth the room.
        const odd = [num("epoch") > 0 ? `epoch ${num("epoch")}` : "", str("scope") !== "write" ? `via ${str("scope")}` : ""].filter(Boolean).join(", ");
        this.#mark(at(own), "ok", `apply ${producer} ${range(lo, hi)} → cur ${cursor}${odd ? ` (${odd})` : ""}`, `applied ${num("count")} op(s) of ${producer}: seq ${lo}..${hi}, ${share} cursor → ${cursor}, epoch ${num("epoch")}, scope ${str("scope")}`, keys);
        this.#cursorPoint(e.t, share, cursor);
        return;
      }
      case "served": {
        const share = this.#shareNames.get(str("share")) ?? str("share");
        const [lo, hi] = [num("cursor_from"), num("cursor_to")];
        const keys: Keys = { seqs: [], ops: [], cursors: [{ share, lo, hi }] };
        this.#mark(at(own), "dot", `serve ${str("via")} cur ${lo === hi ? lo : `${lo}–${hi}`}`, `served ${num("count")} entr${num("count") === 1 ? "y" : "ies"} of ${share} by ${str("via")}: cursor ${lo}..${hi}, epoch ${num("epoch")}, scope ${str("scope")}`, keys);
        return;
      }
      case "viewer_applied": {
        const share = this.#shareNames.get(str("share")) ?? str("share");
        const [lo, hi] = [num("cursor_from") + 1, num("cursor_to")];
        const keys: Keys = { seqs: [], ops: [], cursors: [{ share, lo, hi }] };
        this.#mark(at(own), "ok", `applied cur ${lo === hi ? lo : `${lo}–${hi}`}`, `viewer applied ${num("count")} entr${num("count") === 1 ? "y" : "ies"} of ${share}: cursor ${lo}..${hi}`, keys);
        return;
      }
      case "viewer_redeemed":
        this.#mark(at(own), "ok", `redeem read${num("epoch") > 0 ? ` epoch ${num("epoch")}` : ""}: from cur ${num("from")}`, `viewer redeemed for reading: epoch ${num("epoch")}, share cursor ${num("cursor")}, follows from ${num("from")}`);
        return;
      case "viewer_snapshot":
        this.#mark(at(own), "ok", `snapshot at cur ${num("cursor")}`, `late joiner installed a snapshot at cursor ${num("cursor")}`);
        return;
      case "viewer_session_failed":
        this.#mark(at(own), "fault", `session failed: ${str("code")}`, `viewer session failed: ${str("code")}: ${str("message")}`);
        return;
      case "viewer_stopped":
        this.#mark(at(own), "crash", `stopped: ${str("code")}`, `viewer stopped for good: ${str("code")}: ${str("message")}`);
        return;
      case "revoked": {
        const share = this.#shareNames.get(str("share")) ?? str("share");
        this.#mark(at(own), "fault", `revoke ${share} → e${num("epoch")}${d.secret_rotated ? ", new secret" : ""}`, `revoked ${share}: epoch ${num("epoch")}, secret rotated: ${String(d.secret_rotated)}`);
        return;
      }
      case "revoke_skipped":
        this.#mark(at(own), "fault", `revoke skipped: ${str("reason")}`, `revoke skipped: ${str("reason")}`);
        return;
      case "crash": {
        const row = at(own);
        this.#mark(row, "crash", `${d.silent ? "silent crash" : "crash"}: ${str("cause")}`, `${node} crashed${d.silent ? " silently (its host black-holes)" : ""}: ${str("cause")}`);
        this.#openBand(`down:${node}`, "down", row, `${node} down`);
        return;
      }
      case "restart": {
        const row = at(own);
        if (node === "server") {
          const cursors = (d.cursors ?? {}) as Record<string, number>;
          const shown = Object.entries(cursors).map(([id, c]) => `${this.#shareNames.size > 1 ? `${this.#shareNames.get(id) ?? id} ` : ""}cur ${c}`);
          const keys: Keys = { seqs: [], ops: [], cursors: Object.entries(cursors).map(([id, c]) => ({ share: this.#shareNames.get(id) ?? id, lo: c, hi: c })) };
          this.#mark(row, "restart", `restart: ${shown.join(", ")}`, `server restarted (incarnation ${num("incarnation")}): cursors ${JSON.stringify(cursors)}`, keys);
          for (const [id, c] of Object.entries(cursors)) this.#cursorPoint(e.t, this.#shareNames.get(id) ?? id, c);
        } else {
          this.#mark(row, "restart", `restart: acked ≤${num("acked_seq")}, ${num("pending")} pending`, `${node} restarted: acked_seq ${num("acked_seq")}, pending ${num("pending")}, cursor ${num("cursor")}`);
          const o = this.#outbox.get(node);
          if (o) {
            o.acked = num("acked_seq");
            o.seq = num("acked_seq") + num("pending");
            this.#outboxPoint(e.t, node);
          }
        }
        this.#closeBand(`down:${node}`, own, row);
        return;
      }
      case "uncaught_exception":
        this.#mark(at(own), "fault", "uncaught exception", `uncaught exception: ${str("message")}`);
        return;
      case "partition":
      case "stall": {
        const row = at(own);
        const who = e.node === "all" ? "every client" : node;
        this.#mark(row, "fault", `${e.type} ${seconds(num("duration_ms"))}${e.node === "all" ? " (all)" : ""}`, `${e.type} of ${who} for ${num("duration_ms")} ms`);
        this.#openBand(`${e.type}:${e.node}`, e.type, row, `${e.type}${e.node === "all" ? " (all)" : ""}`);
        return;
      }
      case "partition_ended":
      case "stall_ended": {
        const kind = e.type.replace("_ended", "");
        const row = at(own);
        this.#mark(row, "dot", `${kind} over`, `${kind} of ${e.node} ended`);
        this.#closeBand(`${kind}:${e.node}`, own, row);
        return;
      }
      case "ws_open":
        this.#mark(at(own), "dot", `ws ${num("link")} open`, `WebSocket link ${num("link")} open (connection ${num("connection")})`);
        return;
      case "ws_refused":
        this.#mark(at(own), "fault", `ws refused${d.server_up === false ? " (server down)" : ""}`, `connection ${num("connection")} refused${d.server_up === false ? ": no server" : ""}`);
        return;
      case "ws_closed": {
        const row = at(own);
        const reason = str("reason");
        const injected = reason.startsWith("cut");
        this.#mark(row, injected ? "cut" : "fault", `ws ${num("link")} ${injected ? "cut" : "closed"}: ${reason}`, `WebSocket link ${num("link")} closed: ${reason}`);
        this.#closeBand(`ws_stall:${num("link")}`, own, row);
        return;
      }
      case "ws_stalled": {
        const row = at(own);
        this.#mark(row, "fault", `ws ${num("link")} stalls ${str("direction") === "to_server" ? "→ server" : "→ client"}`, `WebSocket link ${num("link")} stalls after ${num("after_frames")} frames ${str("direction")}`);
        this.#openBand(`ws_stall:${num("link")}`, "ws_stall", row, `ws ${num("link")} stalled`);
        return;
      }
      case "ws_blackholed":
        this.#mark(at(own), "fault", `ws ${num("link")} black-holed`, `WebSocket link ${num("link")}: the server's host died silently; nothing passes`);
        return;
      case "reply_lost": {
        this.#mark(at(server), "fault", `reply to ${node} will be lost`, `fault: the reply to ${node}'s apply is lost`);
        return;
      }
      case "ws_sent": {
        const toServer = str("direction") === "to_server";
        const lane = toServer ? own : server;
        const row = at(lane);
        this.#mark(row, "arrive", null, `ws ${num("link")} segment ${num("segment")} sent ${toServer ? "to server" : `to ${node}`}`);
        const pending: Pending = { lane, row: row.index, label: "", keys: emptyKeys(), detail: `ws ${num("link")} segment ${num("segment")}` };
        this.#segments.set(`${num("link")}/${num("segment")}`, pending);
        if (toServer) this.#lastWsSend.set(node, { t: e.t, pending });
        return;
      }
      case "ws_delivered":
      case "ws_lost": {
        const key = `${num("link")}/${num("segment")}`;
        const sent = this.#segments.get(key);
        this.#segments.delete(key);
        const toServer = str("direction") === "to_server";
        const lane = toServer ? server : own;
        const row = at(lane);
        const lost = e.type === "ws_lost";
        const frameKinds = (d.frames as string[] | undefined) ?? [];
        const frames = frameKinds.join(", ");
        if (!lost) this.#mark(row, "arrive", null, `ws ${num("link")} segment ${num("segment")} arrives: ${frames}`);
        else this.#mark(row, "none", null, `ws ${num("link")} segment ${num("segment")} lost: ${str("reason")}`);
        if (!sent) return;
        this.arrows.push({
          kind: "frame",
          fromLane: sent.lane,
          fromRow: sent.row,
          toLane: lane,
          toRow: row.index,
          reach: lost ? 0.6 : 1,
          label: sent.label,
          detail: `${sent.detail}: ${frames}${lost ? `; lost (${str("reason")})` : ""}`,
          keys: sent.keys,
          witness: false,
          minor: frameKinds.length > 0 && frameKinds.every((k) => MINOR_FRAMES.has(k)),
        });
        return;
      }
      case "http_sent": {
        const row = at(own);
        const waiting = this.#callsWaiting.get(node);
        const calls = waiting && waiting.t === e.t ? waiting : undefined;
        this.#callsWaiting.delete(node);
        const path = str("path");
        const label = calls?.label ?? (path === "/rpc" ? "" : (path.split("/").pop() ?? ""));
        this.#mark(row, "arrive", null, `request ${num("request")} sent: ${str("method")} ${path}`);
        this.#requests.set(`${node}#${num("request")}`, { lane: own, row: row.index, label, keys: calls?.keys ?? emptyKeys(), detail: `request ${num("request")}: ${str("method")} ${path}` });
        return;
      }
      case "http_handled":
      case "http_dropped": {
        const req = this.#requests.get(`${node}#${num("request")}`);
        const row = at(server);
        const droppedRequest = e.type === "http_dropped" && d.leg === "request";
        const serverDown = e.type === "http_handled" && d.status === null;
        if (droppedRequest) this.#mark(row, "none", null, `request ${num("request")} of ${node} dropped on the way`);
        else if (serverDown) this.#mark(row, "none", null, `request ${num("request")} of ${node}: no server to take it`);
        else this.#mark(row, "arrive", null, `request ${num("request")} of ${node} handled: ${String(d.status)}${e.type === "http_dropped" ? "; its response is dropped" : ""}`);
        if (!req) return;
        this.arrows.push({
          kind: "request",
          fromLane: req.lane,
          fromRow: req.row,
          toLane: server,
          toRow: row.index,
          reach: droppedRequest ? 0.6 : serverDown ? 0.95 : 1,
          label: req.label,
          detail: `${req.detail}${droppedRequest ? ": dropped" : serverDown ? ": server down" : ""}`,
          keys: req.keys,
          witness: false,
          minor: false,
        });
        if (!droppedRequest && !serverDown) {
          req.answerRow = row.index;
          req.answerDropped = e.type === "http_dropped";
          req.answerStatus = (d.status as number | null | undefined) ?? null;
        }
        return;
      }
      case "http_duplicate_delivered": {
        const req = this.#requests.get(`${node}#${num("request")}`);
        const row = at(server);
        this.#mark(row, "fault", `late copy of ${node}'s request ${num("request")}`, `a duplicate of request ${num("request")} of ${node} arrives`);
        if (!req) return;
        this.arrows.push({
          kind: "duplicate",
          fromLane: req.lane,
          fromRow: req.row,
          toLane: server,
          toRow: row.index,
          reach: 1,
          label: `copy ${req.label}`.trim(),
          detail: `${req.detail}: duplicate copy`,
          keys: req.keys,
          witness: false,
          minor: false,
        });
        return;
      }
      case "http_received": {
        // Kept: a late duplicate of this request may still arrive.
        const req = this.#requests.get(`${node}#${num("request")}`);
        const row = at(own);
        const status = d.status as number | null;
        if (req?.answerRow === undefined) {
          this.#mark(row, "fault", "no answer", `request ${num("request")}: network error`);
          return;
        }
        if (req.answerDropped) this.#mark(row, "fault", "response lost", `request ${num("request")}: its response was dropped`);
        else this.#mark(row, "arrive", status !== null && status !== 200 ? `HTTP ${status}` : null, `response to request ${num("request")}: ${String(status)}`);
        this.arrows.push({
          kind: "response",
          fromLane: server,
          fromRow: req.answerRow,
          toLane: own,
          toRow: row.index,
          reach: req.answerDropped ? 0.6 : 1,
          label: req.answerStatus !== null && req.answerStatus !== 200 ? String(req.answerStatus) : "",
          detail: `response to ${req.detail}${req.answerDropped ? ": dropped" : ""}`,
          keys: emptyKeys(),
          witness: false,
          minor: false,
        });
        return;
      }
      default: {
        // A type this renderer does not know yet (viewers, new probes): shown as it was recorded.
        const facts = Object.entries(d)
          .map(([k, v]) => `${k} ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
          .join(", ");
        this.#mark(at(own), "dot", e.type.replace(/_/g, " "), `${e.type}${facts ? `: ${facts}` : ""}`);
      }
    }
  }

  /** Whatever is still open at the end runs to the last row. */
  finish(): void {
    const last = this.rows.length - 1;
    for (const [key, open] of this.#open) {
      const node = key.slice(key.indexOf(":") + 1);
      const lane = open.kind === "ws_stall" ? this.rows[open.row]!.lane : this.#laneIndex.get(SERVER_ALIASES.has(node) ? "server" : node);
      if (lane !== undefined && lane >= 0) this.bands.push({ kind: open.kind, lane, fromRow: open.row, toRow: Math.max(open.row, last), label: open.label });
    }
    this.#open.clear();
  }
}

/** Builds the diagram's data from a history, highlighting what the witness names. */
export function buildTimeline(history: readonly HistoryEvent[], transport: string, witness: Record<string, unknown> | null, end_t: number): TimelineModel {
  const nodes = [...new Set(history.filter((e) => !WORLD_NODES.has(e.node) && !SKIPPED_NODES.has(e.node)).map((e) => (SERVER_ALIASES.has(e.node) ? "server" : e.node)))];
  if (!nodes.includes("server")) nodes.push("server");
  const b = new Builder(nodes, transport);
  for (const e of history) b.event(e);
  b.finish();
  let query: WitnessQuery | null = null;
  let firstWitnessRow: number | null = null;
  if (witness) {
    query = witnessQuery(witness, b);
    if (query.lane !== null) for (const lane of b.lanes) lane.witness = lane.name === query.lane;
    if (witnessNamesEvents(query)) {
      for (const row of b.rows) {
        for (const label of row.labels) label.witness = matchesWitness(label.keys, query);
        row.witness = matchesWitness(row.keys, query);
        if (row.witness && firstWitnessRow === null) firstWitnessRow = row.index;
      }
      for (const arrow of b.arrows) {
        arrow.witness = matchesWitness(arrow.keys, query);
        if (arrow.witness && (firstWitnessRow === null || arrow.fromRow < firstWitnessRow)) firstWitnessRow = arrow.fromRow;
      }
    }
  }
  return { lanes: b.lanes, rows: b.rows, arrows: b.arrows, bands: b.bands, charts: [...b.charts.values()], end_t, witness: query, firstWitnessRow };
}
