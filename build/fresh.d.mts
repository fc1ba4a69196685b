// Types of fresh.mjs, for the TypeScript modules that find or load the built output.
export declare class BuildError extends Error {
  readonly code: "build_failed";
}
/** The checkout's root folder (absolute path). */
export declare function projectRoot(): string;
/** The built file of a source entry, e.g. builtEntry("sim/explore/worker-entry.ts"). */
export declare function builtEntry(entry: string): URL;
/** Makes dist/ match the sources, rebuilding when any of them changed, unless this process runs from dist/. Throws a BuildError when the build fails. */
export declare function ensureBuilt(): void;
/** Checks dist/, turns source maps on, and imports an entry's built module. */
export declare function importBuilt(entry: string): Promise<unknown>;
