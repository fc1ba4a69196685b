import fc from "fast-check";
import type { SetupName } from "../../a2a-under-test/protocol/ports.ts";
import type { Profile } from "../scenario/profiles.ts";
import type { ScenarioInput, TransportName } from "../scenario/schema.ts";

// A2A scenarios as fast-check arbitraries: fewer clients, messages and chunks,
// and fault kinds switched off, shrink first. Swarm draws which kinds are on.

/** The transport an A2A setup runs on: JSON-RPC + SSE over HTTP for both JSON-RPC setups, WebSocket for capnweb. */
export const A2A_TRANSPORT: Record<SetupName, TransportName> = { sdk: "rest", hardened: "rest", capnweb: "websocket" };

const permille = (max: number) => fc.integer({ min: 0, max: Math.round(max * 1000) }).map((n) => n / 1000);
const perMin = (max: number) => fc.integer({ min: 0, max: Math.round(max * 10) }).map((n) => n / 10);

const RATE_MAX = { http_drop_request: 0.15, http_drop_response: 0.15, http_duplicate: 0.2, http_delay: 0.2, ws_cut: 0.3 } as const;
const PER_MIN_MAX = { server_crash_per_min: 1.5, client_crash_per_min: 1 } as const;

function ratesArbitrary(profile: Profile): fc.Arbitrary<Record<string, number>> {
  if (profile === "calm") return fc.constant({});
  const scale = profile === "flaky" ? 0.2 : 1;
  const kinds: Record<string, fc.Arbitrary<number>> = {};
  for (const [k, max] of Object.entries(RATE_MAX)) kinds[k] = permille(max * scale);
  for (const [k, max] of Object.entries(PER_MIN_MAX)) kinds[k] = perMin(max * scale);
  const swarm = Object.fromEntries(Object.entries(kinds).map(([k, arb]) => [k, profile === "swarm" ? fc.tuple(fc.boolean(), arb).map(([on, r]) => (on ? r : 0)) : arb]));
  return fc.record(swarm).map((rates) => Object.fromEntries(Object.entries(rates).filter(([, r]) => r > 0)));
}

export function a2aScenarioArbitrary(setup: SetupName, profile: Profile, messages_max = 12): fc.Arbitrary<Omit<ScenarioInput, "seed">> {
  return fc
    .record({
      clients: fc.array(fc.integer({ min: 1, max: messages_max }), { minLength: 1, maxLength: 3 }),
      chunks_hi: fc.integer({ min: 1, max: 8 }),
      ask: permille(0.5),
      cancel: permille(0.3),
      to_terminal: permille(0.3),
      step_ms: fc.integer({ min: 20, max: 400 }),
      deadline_ms: fc.integer({ min: 500, max: 5000 }),
      latency_lo: fc.integer({ min: 0, max: 50 }),
      latency_spread: fc.integer({ min: 0, max: 150 }),
      rates: ratesArbitrary(profile),
    })
    .map((d) => ({
      transport: A2A_TRANSPORT[setup],
      profile,
      clients: d.clients.map((ops) => ({ ops })),
      client: { deadline_ms: d.deadline_ms },
      network: { latency_ms: [d.latency_lo, d.latency_lo + d.latency_spread] as [number, number] },
      faults: d.rates,
      a2a: { setup, chunks: [1, d.chunks_hi] as [number, number], ask: d.ask, cancel: d.cancel, to_terminal: d.to_terminal, step_ms: d.step_ms },
    }));
}
