import { execFile } from "node:child_process";
import { promisify } from "node:util";

const exec = promisify(execFile);
const bin = new URL("./replaysim.js", import.meta.url).pathname;

/** Runs the real `replaysim` bin in a child process (tests only). */
export async function replaysim(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [bin, ...args], { maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
