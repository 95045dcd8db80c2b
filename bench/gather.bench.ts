/**
 * gather() of 100,000 tasks that each `await sleep(0)` once, in microseconds
 * per task, against baselines measured in the same run: raw Promise.all of
 * async functions that each await one setImmediate (without and with the
 * AsyncLocalStorage.run per function that asyncio-ts pays to know the
 * current task), CPython's asyncio.gather (bench/python/gather.py, under
 * CPython 3.11 and 3.13: harness PYTHONS), Effection's all() and Effect's Effect.all with unbounded concurrency.
 *
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { gather, run, sleep } from "asyncio-ts";
import * as effection from "effection";
import { Effect } from "effect";
import { PYTHONS, REPEATS, WARMUP, type Sample, emit, measure, perOp, runPython } from "./harness.js";

const N = 100_000;
const root = fileURLToPath(new URL("../../", import.meta.url));
const version = (pkg: string): string =>
  (JSON.parse(readFileSync(`${root}node_modules/${pkg}/package.json`, "utf8")) as { version: string }).version;

// Raw first: on Node 20 the first AsyncLocalStorage.run turns on promise
// hooks for the rest of the process, which would slow the raw baseline.
const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const rawTick = async (): Promise<void> => {
  await immediate();
};
const raw = await measure(
  "raw Promise.all + setImmediate",
  () => Promise.all(Array.from({ length: N }, () => rawTick())),
  perOp(N),
);

const als = new AsyncLocalStorage<object>();
const rawAls = await measure(
  "raw Promise.all + setImmediate + AsyncLocalStorage.run",
  () => Promise.all(Array.from({ length: N }, () => als.run({}, rawTick))),
  perOp(N),
);

const asyncioTs = await measure(
  "asyncio-ts gather + sleep(0)",
  () =>
    run(async () => {
      // Distinct functions: gather counts the same awaitable once.
      const t0 = performance.now();
      const fns = Array.from({ length: N }, () => async () => {
        await sleep(0);
      });
      await gather(...fns);
      return performance.now() - t0;
    }),
  perOp(N),
);

// CPython in a child process, once per version (harness PYTHONS).
function cpython(version: string): Sample {
  const out = runPython<{ python: string; us_per_op: number; runs: number[] }>(
    version,
    `${root}bench/python/gather.py`,
    [N, WARMUP, REPEATS],
  );
  if (!out.ok) return { variant: `CPython ${version} asyncio.gather + sleep(0)`, value: null, error: out.error };
  const r = out.result;
  return { variant: `CPython ${r.python} asyncio.gather + sleep(0)`, value: r.us_per_op, runs: r.runs, warmup: WARMUP };
}
const pythons = PYTHONS.map(cpython);

function* effectionTick(): effection.Operation<void> {
  yield* effection.sleep(0);
}
const effectionAll = await measure(
  `Effection ${version("effection")} all + sleep(0)`,
  () =>
    effection.run(function* () {
      yield* effection.all(Array.from({ length: N }, () => effectionTick()));
    }),
  perOp(N),
  // About 20 s a run at 100,000: no warm-up, at most 3 runs.
  { warmup: 0, repeats: Math.min(REPEATS, 3) },
);

const effectSleep = await measure(
  `Effect ${version("effect")} Effect.all + Effect.sleep(0)`,
  () =>
    Effect.runPromise(
      Effect.all(
        Array.from({ length: N }, () => Effect.sleep(0)),
        { concurrency: "unbounded" },
      ),
    ),
  perOp(N),
);
const effectYield = await measure(
  `Effect ${version("effect")} Effect.all + Effect.yieldNow`,
  () =>
    Effect.runPromise(
      Effect.all(
        Array.from({ length: N }, () => Effect.yieldNow),
        { concurrency: "unbounded" },
      ),
    ),
  perOp(N),
);

emit("gather", "us_per_op", asyncioTs, [raw, rawAls, ...pythons, effectionAll, effectSleep, effectYield], { tasks: N });
