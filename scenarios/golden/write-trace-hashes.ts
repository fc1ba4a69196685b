import { writeFileSync } from "node:fs";
import { GOLDEN, GOLDEN_PATH, goldenHashes, type GoldenFile } from "./trace-hashes.ts";

// `npm run golden`: rewrites scenarios/golden/trace-hashes.json from the code as it is now.

const file: GoldenFile = {
  about: "Trace hashes of generated seeds 1..60 per transport. Rewrite with `npm run golden` only in a commit that changes behaviour on purpose, and say why.",
  ...GOLDEN,
  hashes: await goldenHashes(),
};
writeFileSync(GOLDEN_PATH, `${JSON.stringify(file, null, 2)}\n`);
process.stdout.write(`wrote ${GOLDEN_PATH}: ${GOLDEN.seeds} seeds x 3 transports\n`);
