/**
 * Structured concurrency, in microseconds per item, against baselines
 * measured in the same run:
 *
 * - fanout: 100,000 items, at most 100 at once, each awaiting one loop turn
 *   (sleep(0); setImmediate in the promise variants). asyncio-ts's map({
 *   limit }) against raw promises (100 async workers pulling the next index),
 *   p-map ({ concurrency }), p-limit around Promise.all, and CPython's idiom,
 *   asyncio.Semaphore around gather (bench/python/fanout.py, under CPython
 *   3.11 and 3.13: harness PYTHONS).
 * - taskgroup: a TaskGroup of 100,000 tasks each awaiting sleep(0), against
 *   asyncio-ts's gather of the same, raw Promise.all of async functions with
 *   the AsyncLocalStorage.run a task pays (the gather bench's floor), and
 *   CPython's asyncio.TaskGroup.
 *
 * Environment: BENCH_FANOUT_ITEMS (100,000), BENCH_FANOUT_LIMIT (100), with
 * the harness's BENCH_WARMUP and BENCH_REPEATS.
 *
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gather, map, run, sleep, taskGroup } from "asyncio-ts";
import pLimit from "p-limit";
import pMap from "p-map";
import { PYTHONS, type Sample, REPEATS, WARMUP, emit, measure, perOp, runPython } from "./harness.js";

const N = Number(process.env.BENCH_FANOUT_ITEMS ?? 100_000);
const LIMIT = Number(process.env.BENCH_FANOUT_LIMIT ?? 100);
const root = fileURLToPath(new URL("../../", import.meta.url));
const version = (pkg: string): string =>
  (JSON.parse(readFileSync(`${root}node_modules/${pkg}/package.json`, "utf8")) as { version: string }).version;

const items = Array.from({ length: N }, (_, i) => i);
const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const rawItem = async (i: number): Promise<number> => {
  await immediate();
  return i;
};
const item = async (i: number): Promise<number> => {
  await sleep(0);
  return i;
};

function check(results: readonly number[]): void {
  if (results.length !== N || results[N - 1] !== N - 1) throw new Error("wrong results");
}

// ---- fanout ---------------------------------------------------------------
// Raw first: on Node 20 the first AsyncLocalStorage.run (run() makes one)
// turns on promise hooks for the rest of the process.
const raw = await measure(
  `raw promises: ${LIMIT} async workers pulling the next item`,
  async () => {
    const results = new Array<number>(N);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < N) {
        const i = next++;
        results[i] = await rawItem(i);
      }
    };
    await Promise.all(Array.from({ length: LIMIT }, worker));
    check(results);
  },
  perOp(N),
);
const pMapped = await measure(
  `p-map ${version("p-map")} ({ concurrency: ${LIMIT} })`,
  async () => check(await pMap(items, rawItem, { concurrency: LIMIT })),
  perOp(N),
);
const pLimited = await measure(
  `p-limit ${version("p-limit")} (${LIMIT}) around Promise.all`,
  async () => {
    const limit = pLimit(LIMIT);
    check(await Promise.all(items.map((i) => limit(() => rawItem(i)))));
  },
  perOp(N),
);
const asyncioMap = await measure(
  `asyncio-ts map({ limit: ${LIMIT} }) + sleep(0)`,
  () => run(async () => check(await map(items, item, { limit: LIMIT }))),
  perOp(N),
);

function cpython(script: string, what: string): (version: string) => Sample {
  return (v) => {
    const out = runPython<{ python: string; us_per_op: number; runs: number[] }>(v, `${root}bench/python/${script}`, [
      N,
      LIMIT,
      WARMUP,
      REPEATS,
    ]);
    if (!out.ok) return { variant: `CPython ${v} ${what}`, value: null, error: out.error };
    const r = out.result;
    return { variant: `CPython ${r.python} ${what}`, value: r.us_per_op, runs: r.runs, warmup: WARMUP };
  };
}

emit(
  "fanout",
  "us_per_op",
  asyncioMap,
  [raw, pMapped, pLimited, ...PYTHONS.map(cpython("fanout.py", `Semaphore(${LIMIT}) around gather + sleep(0)`))],
  { items: N, limit: LIMIT },
);

// ---- taskgroup ------------------------------------------------------------
const als = new AsyncLocalStorage<object>();
const rawAls = await measure(
  "raw Promise.all + setImmediate + AsyncLocalStorage.run",
  async () => check(await Promise.all(items.map((i) => als.run({}, rawItem, i)))),
  perOp(N),
);
const gathered = await measure(
  "asyncio-ts gather + sleep(0)",
  () => run(async () => check(await gather(...items.map((i) => () => item(i))))),
  perOp(N),
);
const grouped = await measure(
  "asyncio-ts taskGroup + sleep(0)",
  () =>
    run(async () => {
      const tasks = await taskGroup((tg) => items.map((i) => tg.createTask(() => item(i))));
      check(tasks.map((t) => t.result()));
    }),
  perOp(N),
);

emit(
  "taskgroup",
  "us_per_op",
  grouped,
  [rawAls, gathered, ...PYTHONS.map(cpython("taskgroup.py", "TaskGroup + sleep(0)"))],
  { tasks: N },
);
