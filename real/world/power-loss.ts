import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { cutForPowerLoss, type DbSnapshot, type Draw, type PowerLossOptions, type PowerLossReport, type Synchronous } from "../../sim/storage/db-files.ts";

// Why this exists: in real mode a node's host "loses power" by SIGKILLing its
// process and then throwing away what the OS had not synced. After the kill
// the files are exactly as the kernel left them (every write() the process
// made is there, synced or not), which is what the simulator's DbFiles.kill
// captures too; so the same cut applies (sim/storage/db-files.ts,
// cutForPowerLoss): keep the durable commits and a drawn number of the others,
// optionally a torn frame after them, and drop the -shm so the next process to
// open the file rebuilds the index from the WAL alone. No SQLite connection is
// ever opened here: opening one would run recovery, or a checkpoint on close,
// over bytes that are not yet the ones a power loss leaves.

/** The files of a killed process could not be read or put back. */
export class PowerLossFilesError extends Error {
  readonly code = "power_loss_files";
}

function fail(what: string, path: string, error: unknown): never {
  const reason = error instanceof Error ? error.message : String(error);
  throw new PowerLossFilesError(`power loss on ${path}: cannot ${what}: ${reason}`, { cause: error });
}

/** The file's bytes, undefined when it does not exist (a -wal or -shm may not). */
function readOptional(path: string, dbPath: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    return fail(`read ${path}`, dbPath, error);
  }
}

/**
 * Power loss over the files of `path` (the database, its -wal and its -shm),
 * after the process that had it open was SIGKILLed and before anything opens
 * it again. `synchronous` is the level that process ran with. `draw` is called
 * exactly once, with the number of commit boundaries the WAL may be cut at
 * (see cutForPowerLoss). Afterwards the db is as it was, the -wal holds only
 * what survives (it stays absent if there was none), and the -shm is gone.
 * Throws a PowerLossFilesError (code "power_loss_files") when the database
 * file is missing or a file cannot be read or written; errors of the cut itself
 * (a bad draw, a WAL that disagrees with the -shm) leave the files untouched.
 */
export function powerLossOnFiles(path: string, synchronous: Synchronous, draw: Draw, options: PowerLossOptions = {}): PowerLossReport {
  const walPath = `${path}-wal`;
  const shmPath = `${path}-shm`;
  let db: Buffer;
  try {
    db = readFileSync(path);
  } catch (error) {
    return fail(`read ${path}`, path, error);
  }
  const snapshot: DbSnapshot = { db, wal: readOptional(walPath, path), shm: readOptional(shmPath, path) };

  const { files, report } = cutForPowerLoss(snapshot, synchronous, draw, options);

  // As DbFiles.restore: the db, then the -wal (or its absence), then no -shm.
  try {
    writeFileSync(path, files.db!);
    if (files.wal === undefined) rmSync(walPath, { force: true });
    else writeFileSync(walPath, files.wal);
    rmSync(shmPath, { force: true });
  } catch (error) {
    return fail("write the files back", path, error);
  }
  return report;
}
