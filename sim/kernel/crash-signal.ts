/** Thrown at a crash point to unwind the process that just died. Never caught on purpose. */
export class CrashSignal extends Error {
  constructor(node: string, point: string) {
    super(`${node} crashed at ${point}`);
    this.name = "CrashSignal";
  }
}

/** A promise that never settles: what a dead process waits on forever. */
export function never<T>(): Promise<T> {
  return new Promise<T>(() => {});
}
