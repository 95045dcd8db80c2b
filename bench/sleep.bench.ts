/**
 * 100,000 concurrent sleeps of 0-50 ms (whole milliseconds, the same seeded
 * delays for every variant): the time beyond the longest sleep, in ms, that
 * is, what scheduling and waking them costs.
 *
 * Two benches: "sleep" waits on the sleeps themselves (gather of sleep()
 * Futures against Promise.all of setTimeout promises); "sleep-tasks" runs
 * each in its own task (gather of async functions awaiting sleep() against
 * Promise.all of async functions awaiting a setTimeout promise).
 *
 * @module
 */

import { performance } from "node:perf_hooks";
import { gather, run, sleep } from "asyncio-ts";
import { emit, measure, seededRandom } from "./harness.js";

const N = 100_000;
const random = seededRandom(20_240_501);
const delays = Array.from({ length: N }, () => Math.floor(random() * 51));
const longest = Math.max(...delays);

const timeout = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// Raw first: on Node 20 the first AsyncLocalStorage.run turns on promise
// hooks for the rest of the process, which would slow the raw baseline.
const rawSleeps = await measure("raw Promise.all of setTimeout promises", async () => {
  const t0 = performance.now();
  await Promise.all(delays.map((ms) => timeout(ms)));
  return performance.now() - t0 - longest;
});
const rawTasks = await measure("raw Promise.all of async functions awaiting setTimeout", async () => {
  const t0 = performance.now();
  await Promise.all(
    delays.map(async (ms) => {
      await timeout(ms);
    }),
  );
  return performance.now() - t0 - longest;
});

const sleeps = await measure("asyncio-ts gather of sleep() Futures", () =>
  run(async () => {
    const t0 = performance.now();
    await gather(...delays.map((ms) => sleep(ms / 1000)));
    return performance.now() - t0 - longest;
  }),
);
const tasks = await measure("asyncio-ts gather of tasks awaiting sleep()", () =>
  run(async () => {
    const t0 = performance.now();
    await gather(
      ...delays.map((ms) => async () => {
        await sleep(ms / 1000);
      }),
    );
    return performance.now() - t0 - longest;
  }),
);

const params = { sleeps: N, longest_ms: longest };
emit("sleep", "overhead_ms", sleeps, [rawSleeps], params);
emit("sleep-tasks", "overhead_ms", tasks, [rawTasks], params);
