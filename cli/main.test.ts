import { describe, expect, test } from "vitest";
import { COMMANDS } from "./main.ts";
import { replaysim } from "./spawn-cli.ts";

describe("the command table", () => {
  test("each lazily loaded command is the one its entry names, with the same summary", async () => {
    for (const entry of COMMANDS) {
      const command = await entry.load();
      expect(command.spec.name).toBe(entry.name);
      expect(command.spec.summary).toBe(entry.summary);
    }
  });

  test("replaysim --help lists every command, and an unknown one exits 2", async () => {
    const help = await replaysim("--help");
    expect(help.code).toBe(0);
    for (const entry of COMMANDS) expect(help.stdout).toContain(`  ${entry.name.padEnd(9)} ${entry.summary}`);
    const unknown = await replaysim("nope");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'nope'");
  }, 30_000);
});
