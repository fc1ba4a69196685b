import { parentPort } from "node:worker_threads";
import { runTask, type Task } from "./tasks.ts";

// One explore worker: takes tasks from the main thread, runs them one at a time.
const port = parentPort;
if (!port) throw new Error("explore worker started outside a worker thread");
port.on("message", async ({ id, task }: { id: number; task: Task }) => {
  try {
    port.postMessage({ id, result: await runTask(task) });
  } catch (error) {
    port.postMessage({ id, error: (error as Error)?.stack ?? String(error) });
  }
});
