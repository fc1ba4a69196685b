import { ensureBuilt } from "./fresh.mjs";

// Tests import the TypeScript, but the pools they start run workers from dist/:
// build it once before the suite if a source changed (a no-op when fresh).
export default function setup(): void {
  ensureBuilt();
}
