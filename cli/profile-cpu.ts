import { mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { CpuProfileOption } from "../sim/explore/pool.ts";
import { UsageError, type FlagSpec } from "./args.ts";
import type { Io } from "./command.ts";

/** `--profile-cpu FILE`: a V8 CPU profile of one worker, shared by run and explore. */
export const PROFILE_CPU_FLAG: FlagSpec = {
  name: "profile-cpu",
  kind: "string",
  value: "FILE",
  description: "write a V8 CPU profile (.cpuprofile) of the first worker, covering every run it did",
};

export interface CpuProfileFlag extends CpuProfileOption {
  /** The file as given on the command line. */
  file: string;
  /** Set once the pool closed and the worker wrote the file. */
  written: boolean;
}

/**
 * The pool option for the flag, after checking that FILE can be written to
 * (its folder is made); a problem when the pool closes is printed as a warning.
 */
export function cpuProfileOption(flags: Record<string, unknown>, io: Io, command: string): CpuProfileFlag | undefined {
  const file = flags["profile-cpu"] as string | undefined;
  if (file === undefined) return undefined;
  const path = resolve(file);
  try {
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--profile-cpu: '${file}' is a directory; give a file, e.g. ${file.replace(/\/$/, "")}/explore.cpuprofile`);
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--profile-cpu: cannot write '${file}': ${(error as Error).message}`);
  }
  const option: CpuProfileFlag = {
    path,
    file,
    written: false,
    onDone: ({ written, problem }) => {
      option.written = written;
      if (!written) io.err(`replaysim ${command}: --profile-cpu: no profile written to ${file}: ${problem}`);
      else if (problem !== null) io.err(`replaysim ${command}: --profile-cpu: ${problem}`);
    },
  };
  return option;
}
