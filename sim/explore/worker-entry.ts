// The explore worker's entry in dist/: source maps on before the worker's code
// loads, so stacks (a harness failure's, a dead worker's) name the .ts files.
process.setSourceMapsEnabled(true);
await import("./worker.ts");
