import type { Transport, TransportName } from "../client-under-test/transports/transport.ts";

// One server for one cell, reached either in this process or over loopback.

export interface Counters {
  /** Request bytes that reached the server since it started. */
  request_bytes: number;
  /** The server's CPU time since it started, in µs; null when it shares the process with the client. */
  server_cpu_us: number | null;
}

export interface Endpoint {
  /** A client transport to this server. */
  transport(name: TransportName): Transport;
  createShare(sessionID: string): Promise<{ id: string; secret: string }>;
  counters(): Promise<Counters>;
  /** Stops the server; always safe to call, also after a failure. */
  close(): Promise<void>;
}
