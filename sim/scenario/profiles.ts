/** Fault profiles: calm has none; flaky draws up to a fifth of each rate, chaos and swarm up to all of it; swarm also draws which kinds are on. */
export const PROFILES = ["calm", "flaky", "chaos", "swarm"] as const;
export type Profile = (typeof PROFILES)[number];
