// What one simulated run costs: a 200-op agent session with faults on, per
// transport. Run with `npm run bench:sim`. Figures go in closing notes, never
// in test assertions.
import { Bench } from "tinybench";
import { runScenario } from "../sim/run-scenario.ts";
import { parseScenario, resolveScenario } from "../sim/scenario/load.ts";
import { TRANSPORTS } from "../sim/scenario/schema.ts";

const FAULTS = {
  ws_refuse_connect: 0.05,
  ws_cut: 0.1,
  http_drop_request: 0.03,
  http_drop_response: 0.03,
  http_duplicate: 0.03,
  http_reorder: 0.05,
  client_crash_per_min: 0.3,
  server_crash_per_min: 0.2,
  crash_point: 0.005,
  partition_per_min: 0.2,
};

let seed = 0;
const virtual = new Map<string, number[]>();
const bench = new Bench({ time: Number(process.env.BENCH_TIME_MS ?? 3000), warmupTime: 500 });
for (const transport of TRANSPORTS) {
  bench.add(`200 ops, faults on, ${transport}`, async () => {
    const scenario = resolveScenario(parseScenario({ seed: ++seed, clients: [{ ops: 200 }], faults: FAULTS }), transport);
    const result = await runScenario(scenario);
    if (result.verdict !== "pass") throw new Error(`seed ${seed} failed: ${result.violations[0]?.message}`);
    const list = virtual.get(transport) ?? [];
    list.push(result.stats.sim_time_ms);
    virtual.set(transport, list);
  });
}
await bench.run();
console.table(
  bench.tasks.map((task) => {
    const r = task.result;
    const transport = task.name.split(", ").pop()!;
    const sims = virtual.get(transport) ?? [];
    const mean = r.state === "completed" ? r.latency.mean : NaN;
    return {
      task: task.name,
      runs: r.state === "completed" ? r.latency.samplesCount : 0,
      "wall ms (mean)": mean.toFixed(2),
      "wall ms (p99)": r.state === "completed" ? r.latency.p99.toFixed(2) : "",
      "virtual s (mean)": (sims.reduce((a, b) => a + b, 0) / Math.max(1, sims.length) / 1000).toFixed(0),
    };
  }),
);
