// Every wait in the bench is bounded: a cell that hangs ends as an error row.

export class BenchTimeout extends Error {
  readonly code = "bench_timeout";
}

/** Settles like `promise`, or rejects with a BenchTimeout after `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BenchTimeout(`${what}: no result within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
