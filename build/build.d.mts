// Types of build.mjs, for its tests.
export declare const ENTRIES: readonly string[];
export declare const DIST: string;
export declare const STAMP: string;
export declare class BuildError extends Error {
  readonly code: "build_failed";
}
export declare function outputOf(entry: string): string;
export declare function build(root: string): { ms: number; files: number; inputs: number };
export declare function staleReason(root: string): string | null;
