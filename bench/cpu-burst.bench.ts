/**
 * A burst of CPU-bound or blocking calls on a cold and on a warm thread
 * pool: does handing them to worker threads pay off, once starting the
 * workers is counted?
 *
 * - cpu-burst-small: CALLS calls of fib(FIB_SMALL) (about 10 ms each on the
 *   2-core machine this was written on), all at once on the pool, against
 *   the same calls one after another on the main thread, in ms. The speedup
 *   is main-thread time / pool time (higher is better); `ratio` is pool /
 *   main thread, as in the other benches.
 * - cpu-burst-large: the same with fib(FIB_LARGE) (about 75 ms each).
 * - cpu-burst-blocking: as many calls as the pool's maxWorkers, each blocking
 *   its thread in Atomics.wait for BLOCK_MS on a SharedArrayBuffer; the
 *   figure is total time / BLOCK_MS (about 1 when they overlap).
 *
 * Each case runs on four pools:
 * - cold, the default pool of a new run(): gather of toThread calls from
 *   the first line of run()'s main function; the time includes starting
 *   the workers and compiling the function in them.
 * - cold, a new ThreadPoolExecutor() (default maxWorkers): Promise.all of
 *   submit calls, likewise.
 * - warm, each of the above after two calls of the same job made at once
 *   and awaited (two workers running, the function compiled in them), in
 *   the same run() / executor; only the burst is timed.
 * Every run ends by shutting its pool down (outside the timed part), so the
 * next run starts cold again. The threads the pool holds before and after
 * the burst (threadCount) are recorded: how many workers the burst started.
 *
 * The variants of a case run interleaved (measureInterleaved: one run of
 * each per round, the main-thread baseline among them), so that a slow spell
 * of a busy machine falls on all of them; per-round speedups are recorded
 * beside the ratio of the medians. Like to-thread-cpu, the figures need free
 * cores: the idle share of the CPU is sampled for one second before and
 * after (free_cores_*).
 *
 * Targets, printed with the figures (for 2 cores; the warm one scales as
 * 0.85 x min(cores, calls)):
 * - warm pool: at least 1.7x the main thread, small and large jobs;
 * - cold pool: never below 1.0x (judged on the median; the worst round is
 *   reported beside it);
 * - blocking: total at most 1.2x one call, cold and warm.
 *
 * Environment: BENCH_PARTS (small,large,blocking), BENCH_CALLS (8),
 * BENCH_FIB_SMALL (30), BENCH_FIB_LARGE (35), BENCH_BLOCK_MS (200), with
 * the harness's BENCH_WARMUP and BENCH_REPEATS (the large case takes at
 * most 1 warm-up round).
 *
 * @module
 */

import os from "node:os";
import { performance } from "node:perf_hooks";
import { ThreadPoolExecutor, gather, getRunningLoop, run, toThread } from "asyncio-ts";
import {
  type Contender,
  REPEATS,
  WARMUP,
  type Sample,
  freeCores,
  machine,
  measureInterleaved,
  round,
} from "./harness.js";

const CALLS = Number(process.env.BENCH_CALLS ?? 8);
const FIB_SMALL = Number(process.env.BENCH_FIB_SMALL ?? 30);
const FIB_LARGE = Number(process.env.BENCH_FIB_LARGE ?? 35);
const BLOCK_MS = Number(process.env.BENCH_BLOCK_MS ?? 200);
const PARTS = new Set((process.env.BENCH_PARTS ?? "small,large,blocking").split(","));
/** Calls made at once and awaited before the burst, on a warm pool. */
const WARM_CALLS = 2;

const CORES = os.availableParallelism();
/** The default pool's size: a fresh executor's maxWorkers (it starts no worker until a job comes). */
const probe = new ThreadPoolExecutor();
const THREADS = probe.maxWorkers;
await probe.shutdown();

const TARGET_WARM = round(0.85 * Math.min(CORES, CALLS));
const TARGET_COLD = 1.0;
const TARGET_BLOCKING = 1.2;

/** CPU-bound, self-contained (its own name is fine for toThread). */
function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/** Blocks its thread for `ms` without using the CPU: Atomics.wait on a SharedArrayBuffer no one notifies. */
function block(ms: number): number {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const t0 = performance.now();
  Atomics.wait(cell, 0, 0, ms);
  return performance.now() - t0;
}

// ---- one burst on a pool -----------------------------------------------------

type Job = (x: number) => number;

interface Burst {
  /** ms from the first call of the burst to its last result. */
  ms: number;
  /** The pool's threadCount before and right after the burst. */
  before: number;
  after: number;
  results: number[];
}

/** How a pool is opened, called and closed. */
interface PoolKind {
  name: string;
  burst(job: Job, arg: number, calls: number, warm: boolean): Promise<Burst>;
}

/** The default pool of a new run(): toThread, gather. */
const defaultPool: PoolKind = {
  name: "the default pool of a new run(), toThread",
  burst: (job, arg, calls, warm) =>
    run(async () => {
      const threads = (): number => getRunningLoop().getDefaultExecutor()?.threadCount ?? 0;
      if (warm) await gather(...Array.from({ length: WARM_CALLS }, () => toThread(job, arg)));
      const before = threads();
      const t0 = performance.now();
      const results = await gather(...Array.from({ length: calls }, () => toThread(job, arg)));
      const ms = performance.now() - t0;
      return { ms, before, after: threads(), results };
    }),
};

/** A new ThreadPoolExecutor() with the default maxWorkers: submit, Promise.all. */
const newExecutor: PoolKind = {
  name: "a new ThreadPoolExecutor(), submit",
  async burst(job, arg, calls, warm) {
    const pool = new ThreadPoolExecutor();
    try {
      if (warm) await Promise.all(Array.from({ length: WARM_CALLS }, () => pool.submit(job, arg)));
      const before = pool.threadCount;
      const t0 = performance.now();
      const results = await Promise.all(Array.from({ length: calls }, () => pool.submit(job, arg)));
      const ms = performance.now() - t0;
      return { ms, before, after: pool.threadCount, results };
    } finally {
      await pool.shutdown();
    }
  },
};

interface PoolCase {
  kind: PoolKind;
  warm: boolean;
  /** Short name for summaries: "cold run()", "warm executor". */
  label: string;
  variant: string;
}

const poolCases = (what: string): PoolCase[] =>
  [false, true].flatMap((warm) =>
    [defaultPool, newExecutor].map((kind) => ({
      kind,
      warm,
      label: `${warm ? "warm" : "cold"} ${kind === defaultPool ? "run()" : "executor"}`,
      variant: `${warm ? `warm (after ${WARM_CALLS} calls at once)` : "cold"}: ${what} on ${kind.name}`,
    })),
  );

/** A contender that runs one burst per run and keeps each run's thread counts. */
function burstContender(
  c: PoolCase,
  job: Job,
  arg: number,
  calls: number,
  check: (results: number[]) => void,
): { contender: Contender; threads: Array<{ before: number; after: number }> } {
  const threads: Array<{ before: number; after: number }> = [];
  return {
    threads,
    contender: {
      variant: c.variant,
      fn: async () => {
        const b = await c.kind.burst(job, arg, calls, c.warm);
        check(b.results);
        threads.push({ before: b.before, after: b.after });
        return b.ms;
      },
    },
  };
}

// ---- output ------------------------------------------------------------------

/**
 * One JSON line per sample, in the harness's shape (see emit()). Several
 * pool variants share one main-thread baseline here, so each pool row
 * carries its own ratio (pool / baseline) and the baseline row none.
 */
type Row = Sample & { baseline: boolean; ratio: number | null };
function emitRows(bench: string, rows: Row[], params: object): void {
  const common = {
    bench,
    node: process.version,
    machine: machine(),
    date: new Date().toISOString(),
    metric: "median_ms",
    params,
  };
  for (const { value, ...rest } of rows) console.log(JSON.stringify({ ...common, ...rest, median_ms: value }));
}

/** Each case's rows, printed at the end with the free cores measured after. */
const results: Array<{ bench: string; rows: Row[]; params: object }> = [];
let judged = 0;
let missed = 0;
const verdict = (ok: boolean | undefined): string => {
  if (ok !== undefined) judged++;
  if (ok === false) missed++;
  return ok === undefined ? "not measured" : ok ? "met" : "MISSED";
};

const threadFigures = (threads: Array<{ before: number; after: number }>) => {
  const timed = threads.slice(-REPEATS);
  return { threads_before: timed.map((t) => t.before), threads_after: timed.map((t) => t.after) };
};

// ---- 1 and 2. CPU-bound bursts --------------------------------------------------

async function cpuBurst(size: "small" | "large", n: number, options: { warmup?: number } = {}): Promise<void> {
  const bench = `cpu-burst-${size}`;
  const expected = fib(n);
  const check = (results: number[]): void => {
    if (results.length !== CALLS || results.some((r) => r !== expected)) {
      throw new Error(`fib(${n}) on the pool returned ${JSON.stringify(results)}, expected ${CALLS} x ${expected}`);
    }
  };
  // One call, timed, once the main thread has run fib a few times (V8 tiers it up).
  for (let k = 0; k < 3; k++) fib(n);
  const t0 = performance.now();
  fib(n);
  const callMs = performance.now() - t0;

  const cases = poolCases(`gather of ${CALLS} x fib(${n})`);
  const contenders = cases.map((c) => burstContender(c, fib, n, CALLS, check));
  const mainVariant = `main thread, ${CALLS} x fib(${n}) one after another`;
  const samples = await measureInterleaved(
    [
      {
        variant: mainVariant,
        fn: () => {
          for (let k = 0; k < CALLS; k++) if (fib(n) !== expected) throw new Error("fib is wrong");
        },
      },
      ...contenders.map((c) => c.contender),
    ],
    (ms) => ms,
    options,
  );
  const [main, ...pools] = samples;
  const rows: Row[] = [{ ...main!, baseline: true, ratio: null }];
  pools.forEach((s, i) => {
    const c = cases[i]!;
    const target = c.warm ? TARGET_WARM : TARGET_COLD;
    let speedup: number | undefined;
    let perRound: number[] = [];
    if (s.value !== null && main!.value !== null && s.runs && main!.runs) {
      speedup = round(main!.value / s.value);
      perRound = s.runs.map((ms, k) => round(main!.runs![k]! / ms));
    }
    const met = speedup === undefined ? undefined : speedup >= target;
    rows.push({
      ...s,
      baseline: false,
      ratio: s.value !== null && main!.value ? round(s.value / main!.value) : null,
      label: c.label,
      speedup,
      speedup_runs: perRound,
      speedup_worst: perRound.length ? Math.min(...perRound) : undefined,
      ...threadFigures(contenders[i]!.threads),
      target: `${c.warm ? "warm" : "cold"}: speedup >= ${target}x`,
      target_met: met,
    });
    const threads = threadFigures(contenders[i]!.threads);
    console.error(
      `  ${size.padEnd(8)} ${c.label.padEnd(14)} ${s.value ?? "failed"} ms vs ${main!.value} ms: speedup ${speedup ?? "-"}x ` +
        `(rounds ${perRound.join(", ")}), threads ${threads.threads_before.join("/")} -> ${threads.threads_after.join("/")}; ` +
        `target >= ${target}x: ${verdict(met)}${s.error ? `\n${s.error}` : ""}`,
    );
  });
  results.push({
    bench,
    rows,
    params: {
      calls: CALLS,
      fib: n,
      call_ms: round(callMs),
      cores: CORES,
      threads: THREADS,
      warm_calls: WARM_CALLS,
      target_warm: TARGET_WARM,
      target_cold: TARGET_COLD,
    },
  });
}

// ---- 3. blocking calls -------------------------------------------------------------

async function blocking(): Promise<void> {
  const calls = THREADS;
  const check = (results: number[]): void => {
    // Atomics.wait may return a little before its timeout is up by the clock used here.
    if (results.length !== calls || results.some((r) => !(r >= BLOCK_MS - 2))) {
      throw new Error(`block(${BLOCK_MS}) returned ${JSON.stringify(results)}`);
    }
  };
  const cases = poolCases(`${calls} x Atomics.wait ${BLOCK_MS} ms`);
  const contenders = cases.map((c) => burstContender(c, block, BLOCK_MS, calls, check));
  const samples = await measureInterleaved(contenders.map((c) => c.contender));
  const rows = samples.map((s, i): Row => {
    const c = cases[i]!;
    const x = s.value === null ? undefined : round(s.value / BLOCK_MS);
    const met = x === undefined ? undefined : x <= TARGET_BLOCKING;
    const threads = threadFigures(contenders[i]!.threads);
    console.error(
      `  blocking ${c.label.padEnd(14)} ${s.value ?? "failed"} ms = ${x ?? "-"}x one call ` +
        `(runs ${(s.runs ?? []).map((ms) => round(ms / BLOCK_MS)).join(", ")}), threads ${threads.threads_before.join("/")} -> ` +
        `${threads.threads_after.join("/")}; target <= ${TARGET_BLOCKING}x: ${verdict(met)}${s.error ? `\n${s.error}` : ""}`,
    );
    return {
      ...s,
      baseline: false,
      // The baseline is one call alone: BLOCK_MS.
      ratio: x ?? null,
      label: c.label,
      x_one_call: x,
      ...threads,
      target: `total <= ${TARGET_BLOCKING}x one call`,
      target_met: met,
    };
  });
  results.push({
    bench: "cpu-burst-blocking",
    rows,
    params: { calls, block_ms: BLOCK_MS, cores: CORES, threads: THREADS, warm_calls: WARM_CALLS },
  });
}

// ---- main ------------------------------------------------------------------------

const freeBefore = await freeCores();
const started = performance.now();
console.error(
  `# cpu-burst: ${CORES} cores, default pool ${THREADS} workers, ${freeBefore ?? "?"} cores free before; ` +
    `warm-up ${WARMUP}, repeats ${REPEATS}`,
);
if (PARTS.has("small")) await cpuBurst("small", FIB_SMALL);
if (PARTS.has("large")) await cpuBurst("large", FIB_LARGE, { warmup: Math.min(WARMUP, 1) });
if (PARTS.has("blocking")) await blocking();
const freeAfter = await freeCores();
for (const r of results)
  emitRows(r.bench, r.rows, { ...r.params, free_cores_before: freeBefore, free_cores_after: freeAfter });
console.error(
  `# cpu-burst done in ${round((performance.now() - started) / 1000)} s; ${freeAfter ?? "?"} cores free after ` +
    `(targets: warm >= ${TARGET_WARM}x, cold >= ${TARGET_COLD}x, blocking <= ${TARGET_BLOCKING}x one call; ` +
    `${missed} of ${judged} missed)`,
);
