/**
 * gather() of 100,000 tasks whose async functions return at once (no
 * await), in microseconds per task: eager tasks (the loop's task factory is
 * eagerTaskFactory) against lazy tasks and raw Promise.all of the same
 * async functions, measured in the same run.
 *
 * @module
 */

import { performance } from "node:perf_hooks";
import { eagerTaskFactory, gather, run, type RunOptions } from "asyncio-ts";
import { emit, measure, measureInterleaved, perOp } from "./harness.js";

const N = 100_000;

// Distinct functions (gather counts the same awaitable once), made inside
// the timed part of every variant.
const makeFns = (): (() => Promise<number>)[] => Array.from({ length: N }, (_, i) => async () => i);

// Raw first: on Node 20 the first AsyncLocalStorage.run turns on promise
// hooks for the rest of the process, which would slow the raw baseline.
const raw = await measure(
  "raw Promise.all of async functions",
  async () => {
    const t0 = performance.now();
    await Promise.all(makeFns().map((fn) => fn()));
    return performance.now() - t0;
  },
  perOp(N),
);

const gatherOnce = (options: RunOptions) => () =>
  run(async () => {
    const t0 = performance.now();
    await gather(...makeFns());
    return performance.now() - t0;
  }, options);

// Alternated, so that a slow spell of a shared machine falls on both.
const [eager, lazy] = await measureInterleaved(
  [
    {
      variant: "asyncio-ts gather of eager tasks (eagerTaskFactory)",
      fn: gatherOnce({ taskFactory: eagerTaskFactory }),
    },
    { variant: "asyncio-ts gather of lazy tasks", fn: gatherOnce({}) },
  ],
  perOp(N),
);

emit("gather-eager", "us_per_op", eager!, [raw, lazy!], { tasks: N });
