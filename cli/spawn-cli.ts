import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { projectRoot } from "../build/fresh.mjs";

const exec = promisify(execFile);
const bin = join(projectRoot(), "cli/replaysim.js");

/** Runs the real `replaysim` bin in a child process (tests only). */
export async function replaysim(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return replaysimWithEnv({}, ...args);
}

/** The same, with variables added to (or, when undefined, removed from) the child's environment. */
export async function replaysimWithEnv(env: Record<string, string | undefined>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const childEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  try {
    const { stdout, stderr } = await exec(process.execPath, [bin, ...args], { maxBuffer: 64 * 1024 * 1024, env: childEnv });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
