import type { Io } from "./command.ts";

export interface ProgressLine {
  update(text: string): void;
  done(): void;
}

/** A single self-rewriting status line on stderr; silent unless stderr is a terminal. */
export function progressLine(io: Io, enabled: boolean): ProgressLine {
  if (!enabled || !io.tty) return { update() {}, done() {} };
  let last = 0;
  let shown = false;
  return {
    update(text) {
      const now = performance.now();
      if (now - last < 100) return;
      last = now;
      shown = true;
      process.stderr.write(`\r\x1b[2K${text}`);
    },
    done() {
      if (shown) process.stderr.write("\r\x1b[2K");
    },
  };
}

export function bar(done: number, total: number | null, width = 24): string {
  if (total === null || total === 0) return "";
  const filled = Math.round((Math.min(done, total) / total) * width);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] `;
}
