import type { Random } from "../protocol/ports.ts";

export interface BackoffSettings {
  backoff_base_ms: number;
  backoff_max_ms: number;
}

/** Exponential backoff with "equal jitter": half fixed, half drawn from the injected Random. */
export function backoffDelay(settings: BackoffSettings, attempt: number, random: Random): number {
  const ceiling = Math.min(settings.backoff_max_ms, settings.backoff_base_ms * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random.next() * ceiling) / 2);
}
