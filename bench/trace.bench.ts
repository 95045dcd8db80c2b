/**
 * What a trace costs: gather() of 20,000 tasks that each `await sleep(0)`
 * once, in microseconds per task, with `run(main, { trace })` and without,
 * in the same run (the variants alternate, so a busy spell of the machine
 * falls on all of them). Measured twice: the whole run() (with a trace, it
 * writes the file when it ends) and main's own time (recording only).
 *
 * @module
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { gather, run, sleep } from "asyncio-ts";
import { emit, measureInterleaved, perOp } from "./harness.js";

const N = 20_000;
const dir = mkdtempSync(join(tmpdir(), "asyncio-ts-trace-bench-"));
const path = join(dir, "trace.json");

// main's own time: N tasks that each await sleep(0) once.
async function main(): Promise<number> {
  const t0 = performance.now();
  const fns = Array.from({ length: N }, () => async () => {
    await sleep(0);
  });
  await gather(...fns);
  return performance.now() - t0;
}

try {
  const [on, off, onMain, offMain] = await measureInterleaved(
    [
      {
        variant: "gather + sleep(0), trace on: run() with the file written",
        fn: () => run(main, { trace: path }).then(() => undefined),
      },
      { variant: "gather + sleep(0), trace off: run()", fn: () => run(main, { trace: false }).then(() => undefined) },
      { variant: "gather + sleep(0), trace on: main only (recording)", fn: () => run(main, { trace: path }) },
      { variant: "gather + sleep(0), trace off: main only", fn: () => run(main, { trace: false }) },
    ],
    perOp(N),
  );
  emit("trace", "us_per_op", on!, [off!, onMain!, offMain!], { tasks: N });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
