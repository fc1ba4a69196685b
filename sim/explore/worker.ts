import { parentPort } from "node:worker_threads";
import { RunMonitor, setRunMonitor } from "../kernel/run-monitor.ts";
import { startCpuProfile, type CpuProfiler } from "./cpu-profile.ts";
import { runTask, type RunReport, type RunTask } from "./tasks.ts";

// One supervised worker: runs the tasks it is given one at a time, and reports
// its progress into the shared monitor so the main thread can stop it.
// The pool may ask one worker to profile itself (`--profile-cpu`): it starts
// before that worker's first task and writes the file when the pool asks.

export type ToWorker = { id: number; task: RunTask; monitor: SharedArrayBuffer } | { profile_start: string } | { profile_stop: true };
export type FromWorker = { ready: true } | { id: number; report: RunReport } | { id: number; error: string } | { profile_written: true } | { profile_error: string };

const port = parentPort;
if (!port) throw new Error("explore worker started outside a worker thread");
const send = (message: FromWorker) => port.postMessage(message);
let monitorOf: SharedArrayBuffer | null = null;
let profiler: Promise<CpuProfiler> | null = null;
port.on("message", async (message: ToWorker) => {
  if ("profile_start" in message) {
    profiler = startCpuProfile(message.profile_start);
    // A profiler that fails to start is reported when the pool asks for the file, not by failing runs.
    profiler.catch(() => {});
    return;
  }
  if ("profile_stop" in message) {
    try {
      if (!profiler) throw new Error("this worker was not profiling");
      await (await profiler).stopAndWrite();
      send({ profile_written: true });
    } catch (error) {
      send({ profile_error: (error as Error)?.message ?? String(error) });
    }
    profiler = null;
    return;
  }
  const { id, task, monitor } = message;
  // A spare worker learns which slot's monitor it writes to with its first task.
  if (monitor !== monitorOf) {
    monitorOf = monitor;
    setRunMonitor(new RunMonitor(monitor));
  }
  await profiler?.catch(() => {});
  try {
    send({ id, report: await runTask(task) });
  } catch (error) {
    send({ id, error: (error as Error)?.stack ?? String(error) });
  }
});
send({ ready: true });
