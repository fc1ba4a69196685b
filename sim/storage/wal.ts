import { endianness } from "node:os";

// Why this exists: a power loss keeps only part of a SQLite write-ahead log,
// and which part matters. To cut a WAL where a real crash could cut it, and to
// check afterwards what SQLite will make of it, we read the log the way
// SQLite's own recovery does (walIndexRecover and walDecodeFrame in wal.c of
// the bundled 3.51): a header with a valid checksum, then frames while their
// salts match the header's and their cumulative checksum chains; recovery
// keeps everything up to the last commit frame among them and nothing after.
// Frames of an older generation (left behind when a writer restarts the log
// after a checkpoint) fail the salt test; a torn or half-written frame fails
// the checksum; uncommitted frames spilled by an open transaction have no
// commit mark. The -shm reader gives how far the log was checkpointed
// (nBackfill), which is what synchronous=NORMAL guarantees to be on disk.

export const WAL_HEADER_SIZE = 32;
export const WAL_FRAME_HEADER_SIZE = 24;
export const WAL_MAGIC = 0x377f0682;
/** WAL_MAX_VERSION: any other version makes SQLite refuse the file (SQLITE_CANTOPEN). */
export const WAL_VERSION = 3007000;

export interface WalHeader {
  magic: number;
  /** True when the magic's low bit is set: checksum words are read big-endian, else little-endian. */
  bigEndianChecksum: boolean;
  version: number;
  pageSize: number;
  checkpointSeq: number;
  salt1: number;
  salt2: number;
  checksum1: number;
  checksum2: number;
}

export interface WalFrame {
  /** 1-based, as SQLite numbers frames (mxFrame, nBackfill). */
  index: number;
  /** Byte offset of the frame header in the file. */
  offset: number;
  pageNumber: number;
  /** "Database size in pages after commit"; non-zero marks a commit frame. */
  commitSize: number;
  checksum1: number;
  checksum2: number;
}

export interface WalCommit {
  /** The commit frame's index (1-based). */
  frame: number;
  /** Byte offset just after the commit frame: truncating the file here keeps exactly this commit and those before. */
  end: number;
  /** Database size in pages after this commit. */
  dbPages: number;
}

/** Why reading stopped at the first frame recovery does not accept. */
export type WalStop = "end_of_file" | "partial_frame" | "salt_mismatch" | "page_zero" | "checksum_mismatch";

export interface ParsedWal {
  /** undefined when SQLite would ignore the whole file (too short, bad magic, bad page size, bad header checksum). */
  header: WalHeader | undefined;
  /** Why the header was ignored, when it was. */
  headerProblem?: "too_short" | "bad_magic" | "bad_page_size" | "bad_header_checksum" | "bad_version";
  /** pageSize + 24, or 0 without a header. */
  frameSize: number;
  /** Frames recovery accepts: valid and at or before the last valid commit frame. */
  frames: WalFrame[];
  /** Valid, chained frames after the last commit: an open transaction's spill. Recovery drops them. */
  uncommitted: WalFrame[];
  /** One entry per transaction recovery keeps, in order. */
  commits: WalCommit[];
  /** What recovery would set mxFrame to: the last valid commit frame, 0 if none. */
  mxFrame: number;
  /** Full frame slots the file holds after the header, valid or not. */
  frameSlots: number;
  stop: WalStop;
}

/**
 * SQLite's WAL checksum (walChecksumBytes): over 32-bit words taken two at a
 * time, s1 += w0 + s2; s2 += w1 + s1, in u32 arithmetic. `bigEndian` picks how
 * words are read. `length` must be a multiple of 8.
 */
export function walChecksum(
  bytes: Uint8Array,
  start: number,
  length: number,
  bigEndian: boolean,
  s1In = 0,
  s2In = 0,
): [number, number] {
  if (length % 8 !== 0) throw new Error(`checksum length ${length} is not a multiple of 8`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = !bigEndian;
  let s1 = s1In >>> 0;
  let s2 = s2In >>> 0;
  const end = start + length;
  for (let i = start; i < end; i += 8) {
    s1 = (s1 + view.getUint32(i, little) + s2) >>> 0;
    s2 = (s2 + view.getUint32(i + 4, little) + s1) >>> 0;
  }
  return [s1, s2];
}

function u32be(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

/** Reads the 32-byte header, or says why SQLite would ignore the file. */
export function parseWalHeader(bytes: Uint8Array): { header?: WalHeader; problem?: ParsedWal["headerProblem"] } {
  // walIndexRecover reads nothing unless the file is larger than the header.
  if (bytes.length <= WAL_HEADER_SIZE) return { problem: "too_short" };
  const magic = u32be(bytes, 0);
  const pageSize = u32be(bytes, 8);
  if ((magic & 0xfffffffe) !== WAL_MAGIC) return { problem: "bad_magic" };
  if ((pageSize & (pageSize - 1)) !== 0 || pageSize > 65536 || pageSize < 512) return { problem: "bad_page_size" };
  const bigEndianChecksum = (magic & 1) === 1;
  const [c1, c2] = walChecksum(bytes, 0, 24, bigEndianChecksum);
  const header: WalHeader = {
    magic,
    bigEndianChecksum,
    version: u32be(bytes, 4),
    pageSize,
    checkpointSeq: u32be(bytes, 12),
    salt1: u32be(bytes, 16),
    salt2: u32be(bytes, 20),
    checksum1: u32be(bytes, 24),
    checksum2: u32be(bytes, 28),
  };
  if (c1 !== header.checksum1 || c2 !== header.checksum2) return { problem: "bad_header_checksum" };
  if (header.version !== WAL_VERSION) return { header, problem: "bad_version" };
  return { header };
}

/** What SQLite's recovery makes of these WAL bytes. */
export function parseWal(bytes: Uint8Array): ParsedWal {
  const empty = (problem: ParsedWal["headerProblem"], header?: WalHeader): ParsedWal => ({
    header,
    headerProblem: problem,
    frameSize: 0,
    frames: [],
    uncommitted: [],
    commits: [],
    mxFrame: 0,
    frameSlots: 0,
    stop: "end_of_file",
  });
  const { header, problem } = parseWalHeader(bytes);
  if (!header || problem) return empty(problem, header);

  const frameSize = header.pageSize + WAL_FRAME_HEADER_SIZE;
  const frameSlots = Math.floor((bytes.length - WAL_HEADER_SIZE) / frameSize);
  const valid: WalFrame[] = [];
  const commits: WalCommit[] = [];
  let s1 = header.checksum1;
  let s2 = header.checksum2;
  let stop: WalStop = (bytes.length - WAL_HEADER_SIZE) % frameSize === 0 ? "end_of_file" : "partial_frame";
  for (let i = 0; i < frameSlots; i++) {
    const offset = WAL_HEADER_SIZE + i * frameSize;
    // Salts are compared as raw bytes (memcmp), then the page number, then the checksum.
    if (u32be(bytes, offset + 8) !== header.salt1 || u32be(bytes, offset + 12) !== header.salt2) {
      stop = "salt_mismatch";
      break;
    }
    const pageNumber = u32be(bytes, offset);
    if (pageNumber === 0) {
      stop = "page_zero";
      break;
    }
    [s1, s2] = walChecksum(bytes, offset, 8, header.bigEndianChecksum, s1, s2);
    [s1, s2] = walChecksum(bytes, offset + WAL_FRAME_HEADER_SIZE, header.pageSize, header.bigEndianChecksum, s1, s2);
    const checksum1 = u32be(bytes, offset + 16);
    const checksum2 = u32be(bytes, offset + 20);
    if (s1 !== checksum1 || s2 !== checksum2) {
      stop = "checksum_mismatch";
      break;
    }
    const frame: WalFrame = { index: i + 1, offset, pageNumber, commitSize: u32be(bytes, offset + 4), checksum1, checksum2 };
    valid.push(frame);
    if (frame.commitSize !== 0) commits.push({ frame: frame.index, end: offset + frameSize, dbPages: frame.commitSize });
  }
  const mxFrame = commits.length > 0 ? commits[commits.length - 1]!.frame : 0;
  return {
    header,
    frameSize,
    frames: valid.slice(0, mxFrame),
    uncommitted: valid.slice(mxFrame),
    commits,
    mxFrame,
    frameSlots,
    stop,
  };
}

export interface ShmInfo {
  /** Last committed frame the live connection knows of. */
  mxFrame: number;
  /** Frames already copied into the database file; the WAL was synced before, the db file after. */
  nBackfill: number;
  /** The frame a checkpoint last tried to backfill up to (the WAL was synced at least that far). */
  nBackfillAttempted: number;
  /** Database size in pages. */
  nPage: number;
  salt1: number;
  salt2: number;
  bigEndianChecksum: boolean;
  isInit: boolean;
  /** The two copies of the index header agree (they do between transactions). */
  consistent: boolean;
}

/**
 * The wal-index header of a -shm file: two copies of WalIndexHdr (48 bytes,
 * native byte order, except the salts, which are copied raw from the WAL
 * header and so read big-endian), then WalCkptInfo at 96 (nBackfill first,
 * nBackfillAttempted at 128). undefined when the file is shorter than that.
 */
export function readShm(bytes: Uint8Array, byteOrder: "LE" | "BE" = endianness()): ShmInfo | undefined {
  if (bytes.length < 136) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = byteOrder === "LE";
  let consistent = true;
  for (let i = 0; i < 48; i++) if (bytes[i] !== bytes[48 + i]) consistent = false;
  return {
    mxFrame: view.getUint32(16, le),
    nPage: view.getUint32(20, le),
    salt1: u32be(bytes, 32),
    salt2: u32be(bytes, 36),
    isInit: bytes[12] === 1,
    bigEndianChecksum: bytes[13] === 1,
    nBackfill: view.getUint32(96, le),
    nBackfillAttempted: view.getUint32(128, le),
    consistent,
  };
}
