import { Worker } from "node:worker_threads";
import { runTask, type Task, type TaskResult } from "./tasks.ts";

/** Runs tasks on K worker threads, or in this thread when K is 1. */
export interface TaskPool {
  run(task: Task): Promise<TaskResult>;
  close(): Promise<void>;
}

export function inProcessPool(): TaskPool {
  return { run: runTask, close: async () => {} };
}

export function workerPool(size: number): TaskPool {
  const idle: Worker[] = [];
  const queue: { task: Task; resolve: (r: TaskResult) => void; reject: (e: Error) => void }[] = [];
  const pending = new Map<number, { resolve: (r: TaskResult) => void; reject: (e: Error) => void; worker: Worker }>();
  let nextId = 0;
  const workers: Worker[] = [];

  const dispatch = () => {
    while (idle.length > 0 && queue.length > 0) {
      const worker = idle.pop()!;
      const { task, resolve, reject } = queue.shift()!;
      const id = nextId++;
      pending.set(id, { resolve, reject, worker });
      worker.postMessage({ id, task });
    }
  };

  for (let i = 0; i < size; i++) {
    const worker = new Worker(new URL("./worker-entry.mjs", import.meta.url));
    worker.on("message", ({ id, result, error }: { id: number; result?: TaskResult; error?: string }) => {
      const job = pending.get(id);
      if (!job) return;
      pending.delete(id);
      idle.push(worker);
      if (error !== undefined) job.reject(new Error(`explore worker failed: ${error}`));
      else job.resolve(result!);
      dispatch();
    });
    worker.on("error", (error) => {
      for (const [id, job] of pending) {
        if (job.worker !== worker) continue;
        pending.delete(id);
        job.reject(error);
      }
    });
    workers.push(worker);
    idle.push(worker);
  }

  return {
    run: (task) =>
      new Promise((resolve, reject) => {
        queue.push({ task, resolve, reject });
        dispatch();
      }),
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
