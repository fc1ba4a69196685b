import type { CoreParts } from "../../a2a-under-test/core/core-parts.ts";

// Deliberate bugs in the hardened A2A core (a2a-under-test/core/), one seam
// each (core-parts.ts). Each is a mistake a team hardening its own A2A server
// could make; the A2A checkers must catch every one (scenarios/regressions/a2a/).

export interface A2AMutant {
  name: string;
  /** One line: what is wrong. */
  bug: string;
  caught_by: readonly string[];
  core: Partial<CoreParts>;
}

export const A2A_MUTANTS: readonly A2AMutant[] = [
  {
    name: "a2a-dedupe-missing",
    bug: "a send is never matched to an earlier one with the same messageId, so a retry makes a second task",
    caught_by: ["one-task-per-send"],
    core: { dedupes: false },
  },
  {
    name: "a2a-deliver-before-save",
    bug: "events go to subscribers first and a write-behind flush saves them 100 ms later, so a crash in between loses what a client already saw",
    caught_by: ["crash-durable", "stream-gap-free", "replay-matches-get"],
    core: {
      persistThenDeliver: (save, deliver, later) => {
        deliver();
        later(save, 100);
      },
    },
  },
  {
    name: "a2a-terminal-overwritten",
    bug: "a task takes events after a terminal state, so an agent still running after a cancel overwrites canceled with completed",
    caught_by: ["terminal-final"],
    core: { admits: () => true },
  },
  {
    name: "a2a-resume-off-by-one",
    bug: "a resumed subscription starts one event too late: the event right after the client's last sequence number is never sent",
    caught_by: ["stream-gap-free"],
    core: { resumeFrom: (afterSeq) => afterSeq + 2 },
  },
];

export function findA2AMutant(name: string): A2AMutant | undefined {
  return A2A_MUTANTS.find((m) => m.name === name);
}
