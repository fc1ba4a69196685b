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

/** Routes intercepted requests to `handler` until the returned function is called. */
export function attachHttpHandler(handler: HttpHandler): () => void {
  install();
  active = handler;
  return () => {
    if (active === handler) active = undefined;
  };
}

export function networkError(): Response {
  return HttpResponse.error();
}
