import type { CommandSpec, FlagValues } from "./args.ts";

export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** True when stderr is a terminal: progress may be drawn there. */
  tty: boolean;
}

export interface Command {
  spec: CommandSpec;
  /** Resolves to the process exit code. */
  run(flags: FlagValues, io: Io): Promise<number>;
}
