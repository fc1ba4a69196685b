// viewer-resume-skips
// Bug: a viewer resumes reading from its cursor + 1.
// Models: `fromCursor` is exclusive ("entries after"), and someone read it as
//      inclusive and "helpfully" added one so as not to see the last entry again.
// Caught by: reader-prefix (gap: the entry right after every resume point is
//      never applied), reader-convergence.
import type { Mutant } from "./mutant.ts";

export const viewerResumeSkips: Mutant = {
  name: "viewer-resume-skips",
  bug: "a viewer resumes from its cursor + 1 and never sees the entry after it",
  caught_by: ["reader-prefix", "reader-convergence"],
  parts: { server: {}, client: {}, viewer: { resumeFrom: (cursor) => cursor + 1 } },
};
