import { FetchInterceptor } from "@mswjs/interceptors/fetch";

// Every HTTP request of the simulated clients is their real `fetch` call,
// intercepted in-process by msw's fetch interceptor (@mswjs/interceptors, the
// layer msw itself is built on). msw's request handlers add route matching,
// cookie jars and interceptors for http.request and XMLHttpRequest that no
// simulated client uses; the simulator needs none of them, so it sits on the
// interceptor directly. The interception is process-wide, so one gateway
// serves whichever world runs: runs never overlap (see run-lock.ts). Requests
// to other origins pass through untouched.

export const SIM_ORIGIN = "http://share.replaysim.test";
const PREFIX = `${SIM_ORIGIN}/`;

export type HttpHandler = (request: Request) => Promise<Response>;

let interceptor: FetchInterceptor | undefined;
let active: HttpHandler | undefined;

function install(): void {
  if (interceptor) return;
  const created = new FetchInterceptor();
  created.apply();
  created.on("request", async ({ request, controller }) => {
    if (!request.url.startsWith(PREFIX)) return;
    controller.respondWith(active ? await active(request) : networkError());
  });
  interceptor = created;
}

/** Routes intercepted requests to `handler` until the returned function is called. */
export function attachHttpHandler(handler: HttpHandler): () => void {
  install();
  active = handler;
  return () => {
    if (active === handler) active = undefined;
  };
}

/** What a lost request or reply looks like to `fetch`: it rejects with a TypeError. */
export function networkError(): Response {
  return Response.error();
}
