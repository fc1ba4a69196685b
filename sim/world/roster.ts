import type { Incarnation } from "../kernel/scheduler.ts";
import type { ClientNode } from "../nodes/client-node.ts";
import type { ServerNode } from "../nodes/server-node.ts";
import type { ViewerNode } from "../nodes/viewer-node.ts";
import type { ShareInfo } from "../run-record.ts";

export type AnyNode = ServerNode | ClientNode | ViewerNode;

/** Every process of a world and every share it made, with the look-ups the world needs. */
export class Roster {
  readonly server: ServerNode;
  readonly clients: ClientNode[] = [];
  /** People following shares live (docs/design.md, "Viewers"). */
  readonly viewers: ViewerNode[] = [];
  /** By share index; an index no client names stays empty. */
  readonly shares: ShareInfo[] = [];

  constructor(server: ServerNode) {
    this.server = server;
  }

  /** Any process by name; throws for a name the world does not have. */
  node(name: string): AnyNode {
    if (name === "server") return this.server;
    const node = this.client(name) ?? this.viewer(name);
    if (!node) throw new Error(`no node ${name}`);
    return node;
  }

  client(name: string): ClientNode | undefined {
    return this.clients.find((c) => c.name === name);
  }

  viewer(name: string): ViewerNode | undefined {
    return this.viewers.find((v) => v.name === name);
  }

  /** The client whose producer id this is. */
  byProducer(producer: string): ClientNode | undefined {
    return this.clients.find((c) => c.producerID === producer);
  }

  /** Who sent a request, by the id it carries (a client's producer id or a viewer's id), with its running incarnation. */
  sender(id: string): { node: string; incarnation: Incarnation } | undefined {
    const node = this.byProducer(id) ?? this.viewers.find((v) => v.viewerID === id);
    return node?.incarnation ? { node: node.name, incarnation: node.incarnation } : undefined;
  }

  /** The share a client or viewer is bound to. */
  shareOf(name: string): ShareInfo | undefined {
    const node = this.client(name) ?? this.viewer(name);
    return node ? this.shares[node.binding.share_index] : undefined;
  }

  /** The shares in play, by index. */
  liveShares(): ShareInfo[] {
    return this.shares.filter(Boolean);
  }
}
