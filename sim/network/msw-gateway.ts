import { http, HttpResponse } from "msw";
import { setupServer, type SetupServer } from "msw/node";

// msw intercepts fetch process-wide, so one gateway serves whichever simulated
// world is running. Runs never overlap (see run-lock.ts), so "the active
// world" is well defined. Requests to other origins pass through untouched.

export const SIM_ORIGIN = "http://share.replaysim.test";

export type HttpHandler = (request: Request) => Promise<Response>;

let server: SetupServer | undefined;
let active: HttpHandler | undefined;

function install(): void {
  if (server) return;
  const created = setupServer(
    http.all(`${SIM_ORIGIN}/*`, ({ request }) => (active ? active(request) : HttpResponse.error())),
  );
  created.listen({ onUnhandledRequest: "bypass" });
  server = created;
}

/**
 * Routes intercepted requests to `handler` until the returned function is
 * called. Detaching also restarts msw: it keeps a frame for every request
 * until a response event, and a network error never sends one, so each
 * dropped request would otherwise keep its whole world alive.
 */
export function attachHttpHandler(handler: HttpHandler): () => void {
  install();
  active = handler;
  return () => {
    if (active !== handler) return;
    active = undefined;
    server!.close();
    server!.listen({ onUnhandledRequest: "bypass" });
  };
}

export function networkError(): Response {
  return HttpResponse.error();
}
