import { parentPort } from "node:worker_threads";
import { RunMonitor, setRunMonitor } from "../kernel/run-monitor.ts";
import { runTask, type RunTask } from "./tasks.ts";

// One supervised worker: runs the tasks it is given one at a time, and reports
// its progress into the shared monitor so the main thread can stop it.
const port = parentPort;
if (!port) throw new Error("explore worker started outside a worker thread");
let monitorOf: SharedArrayBuffer | null = null;
port.on("message", async ({ id, task, monitor }: { id: number; task: RunTask; monitor: SharedArrayBuffer }) => {
  // A spare worker learns which slot's monitor it writes to with its first task.
  if (monitor !== monitorOf) {
    monitorOf = monitor;
    setRunMonitor(new RunMonitor(monitor));
  }
  try {
    port.postMessage({ id, report: await runTask(task) });
  } catch (error) {
    port.postMessage({ id, error: (error as Error)?.stack ?? String(error) });
  }
});
port.postMessage({ ready: true });
