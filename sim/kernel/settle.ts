// Between two events, everything the last one started must finish (docs/design.md
// rule 3). Microtasks drain before any macrotask, but capnweb's batch client
// flushes on setImmediate (rule 4), so we yield to the check phase until no
// immediate is left pending. Nothing in the simulated world does real I/O or
// uses real timers, so once no immediate is pending the world is quiescent.

const SETTLE_ROUNDS_MAX = 10_000;

function nextCheckPhase(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function immediatePending(): boolean {
  return process.getActiveResourcesInfo().includes("Immediate");
}

export async function settle(): Promise<void> {
  for (let round = 0; round < SETTLE_ROUNDS_MAX; round++) {
    await nextCheckPhase();
    if (!immediatePending()) return;
  }
  throw new Error(`settle: setImmediate work still pending after ${SETTLE_ROUNDS_MAX} rounds`);
}
