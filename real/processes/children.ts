import { type ChildProcess, fork, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Every child process real mode starts, so that none outlives the run: each
// starts detached, in a process group of its own, and is killed as a group.
// A run kills its own at the end; the process's exit, SIGINT and SIGTERM kill
// whatever is left, pass, fail or Ctrl-C.

const live = new Set<ChildProcess>();
/** Each live child's config file, removed when it exits or is killed here. */
const configFiles = new Map<ChildProcess, string>();
let started = 0;
let hooked = false;
/** Process groups of commands started here whose shell may be gone while the rest stops: killed on exit too. */
const groups = new Set<number>();

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

/** Kills every child still running, as a group. */
export function killAllChildren(): void {
  for (const child of live) killGroup(child);
  live.clear();
  for (const pgid of groups) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  groups.clear();
  // On SIGINT the children's exit events never come: their config files go here.
  for (const file of configFiles.values()) rmSync(file, { force: true });
  configFiles.clear();
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.once("exit", killAllChildren);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      killAllChildren();
      process.kill(process.pid, signal);
    });
  }
}

export interface Child {
  readonly pid: number;
  readonly process: ChildProcess;
  /** Resolves with how it ended: an exit code, or the signal that killed it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
}

/** Forks a built entry (a file path) with one JSON argument and an IPC channel, in its own process group. */
export function startChild(file: string, config: unknown, options: { stderr?: (line: string) => void } = {}): Child {
  hook();
  // The config goes in a file: a workload's ops outgrow what an argument may hold (E2BIG).
  const configFile = join(tmpdir(), `replaysim-child-${process.pid}-${++started}.json`);
  writeFileSync(configFile, JSON.stringify(config));
  const child = fork(file, [`@${configFile}`], { detached: true, execArgv: ["--enable-source-maps"], stdio: ["ignore", "ignore", "pipe", "ipc"] });
  live.add(child);
  configFiles.set(child, configFile);
  if (options.stderr) {
    let buffered = "";
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) options.stderr!(line);
    });
  } else child.stderr?.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      live.delete(child);
      configFiles.delete(child);
      rmSync(configFile, { force: true });
      resolve({ code, signal });
    });
  });
  if (child.pid === undefined) throw new Error(`could not start ${file}`);
  return { pid: child.pid, process: child, exited, kill: () => killGroup(child) };
}

/** A shell command's process group (startCommand). */
export interface CommandChild extends Child {
  /** SIGTERM to the group; SIGKILL to what is left of it after `grace_ms`, or at once once the group is gone. Waits (bounded) until nothing of the group is left. */
  stop(grace_ms: number): Promise<void>;
}

/**
 * Starts a shell command line (`sh -c`) in a process group of its own, its
 * stdout and stderr appended to `logFile`. Tracked like a forked child: the
 * run kills it as a group, and so do the harness's exit, SIGINT and SIGTERM.
 * Its `kill` reaches the whole group, whatever the command started, even once
 * the shell itself has exited; when the shell exits on its own, whatever it
 * left in its group is killed with it.
 */
export function startCommand(command: string, logFile: string, env: NodeJS.ProcessEnv = process.env): CommandChild {
  hook();
  const log = openSync(logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn("sh", ["-c", command], { detached: true, stdio: ["ignore", log, log], env });
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(log);
  }
  if (child.pid === undefined) throw new Error(`could not start sh -c ${JSON.stringify(command)}`);
  const pgid = child.pid;
  live.add(child);
  groups.add(pgid);
  let stopping = false;
  const killAll = () => {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // Already gone.
    }
  };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      live.delete(child);
      // Whatever the shell left behind in its group goes with it (a stop gives it its grace first).
      if (!stopping) {
        killAll();
        groups.delete(pgid);
      }
      resolve({ code, signal });
    });
  });
  // A command that cannot start at all ends with an error event, not an exit.
  child.once("error", () => killAll());
  return {
    pid: pgid,
    process: child,
    exited,
    kill: killAll,
    async stop(grace_ms) {
      stopping = true;
      try {
        process.kill(-pgid, "SIGTERM");
      } catch {
        // Already gone.
      }
      await waitGroupGone(pgid, grace_ms);
      killAll();
      await exited;
      await waitGroupGone(pgid, 2_000);
      groups.delete(pgid);
    },
  };
}

async function waitGroupGone(pgid: number, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (groupAlive(pgid) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Whether any process of the group `pgid` is still there (zombies included, until reaped). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Children still running (for tests: none may be left after a run). */
export function liveChildren(): number {
  return [...live].filter((c) => c.exitCode === null && c.signalCode === null).length;
}

/** In a child: the config its parent gave it (see startChild). */
export function childConfig<T>(): T {
  const arg = process.argv[2] ?? "";
  return JSON.parse(arg.startsWith("@") ? readFileSync(arg.slice(1), "utf8") : arg || "{}") as T;
}
