// One simulated world at a time per thread: worlds share the microtask queue,
// the check phase and msw's global fetch interception, so two interleaved runs
// would disturb each other's settling. Runs queue up here instead.

let tail: Promise<void> = Promise.resolve();

export async function exclusive<T>(work: () => Promise<T>): Promise<T> {
  const previous = tail;
  let release!: () => void;
  tail = new Promise<void>((resolve) => (release = resolve));
  await previous;
  try {
    return await work();
  } finally {
    release();
  }
}
