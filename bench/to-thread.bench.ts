/**
 * Worker threads: toThread() and ThreadPoolExecutor against raw
 * worker_threads, piscina and tinypool, measured in the same run.
 *
 * - to-thread-latency: LATENCY_CALLS calls of `(x) => x + 1`, one after the
 *   other (each awaited before the next), in µs per call. One worker each:
 *   ThreadPoolExecutor({ maxWorkers: 1 }).submit, toThread inside run()
 *   (the default pool; sequential calls use one of its workers), raw
 *   worker_threads (postMessage a number, wait for the reply message),
 *   piscina and tinypool with maxThreads 1 (bench/workers/add-one.js).
 * - to-thread-throughput: THROUGHPUT_CALLS calls of the same function
 *   submitted at once and awaited together (gather / Promise.all), in µs per
 *   call. Every variant has as many threads as asyncio-ts's default pool
 *   (maxWorkers); raw worker_threads pipelined (round-robin, every message in
 *   flight at once, replies matched by order) and also batched (one message
 *   per worker per burst carrying all its calls), piscina and tinypool.
 * - to-thread-cpu: CPU_CALLS calls of a pure function calibrated to about
 *   CPU_SECONDS on this machine's main thread: gather of toThread calls on
 *   the default pool against the same calls one after another on the main
 *   thread, in ms; the speedup is main-thread time / pool time. CPython runs
 *   the same program with asyncio.to_thread (bench/python/to_thread.py,
 *   under CPython 3.11 and 3.13: harness PYTHONS), where the GIL keeps a pure-Python loop at about 1x.
 *
 * Every pool is started and warmed up (its workers running, the function
 * compiled) before the timed calls. The variants of a part run interleaved
 * (measureInterleaved: one run of each per round), because on a busy 2-core
 * machine a thread's wake-up costs anything from 20 to 150 µs depending on
 * what else runs, and back-to-back blocks of one variant would measure the
 * machine's mood. The idle pools meanwhile wait without using the CPU. So on
 * Node 20 the raw baselines also run after asyncio-ts's first run(), whose
 * AsyncLocalStorage turns on promise hooks for the process (about 1 µs a
 * promise; within the noise here, and Node 24 has no such hooks).
 *
 * Environment: BENCH_LATENCY_CALLS (5,000), BENCH_THROUGHPUT_CALLS (20,000),
 * BENCH_PARTS (latency,throughput,cpu), with the harness's BENCH_WARMUP and
 * BENCH_REPEATS.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { ThreadPoolExecutor, gather, getRunningLoop, run, toThread } from "asyncio-ts";
import { Piscina } from "piscina";
import Tinypool from "tinypool";
import {
  type Contender,
  PYTHONS,
  REPEATS,
  WARMUP,
  type Sample,
  emit,
  freeCores,
  measureInterleaved,
  perOp,
  round,
  runPython,
} from "./harness.js";

const LATENCY_CALLS = Number(process.env.BENCH_LATENCY_CALLS ?? 5_000);
const THROUGHPUT_CALLS = Number(process.env.BENCH_THROUGHPUT_CALLS ?? 20_000);
const CPU_CALLS = 8;
const CPU_SECONDS = 0.2;
/**
 * How long the pools kept across interleaved rounds keep idle workers: more
 * than a round lasts, so that no worker is released and restarted between
 * its warm-up and its timed runs.
 */
const IDLE_SECONDS = 120;
/** Untimed calls before the timed ones, in every variant. */
const WARM_CALLS = 200;
/** Only some parts: BENCH_PARTS=latency,throughput,cpu (default all). */
const PARTS = new Set((process.env.BENCH_PARTS ?? "latency,throughput,cpu").split(","));

const root = fileURLToPath(new URL("../../", import.meta.url));
const version = (pkg: string): string =>
  (JSON.parse(readFileSync(`${root}node_modules/${pkg}/package.json`, "utf8")) as { version: string }).version;
const addOneModule = new URL("bench/workers/add-one.js", `file://${root}`).href;
const rawModule = new URL("bench/workers/raw-add-one.js", `file://${root}`);

/** The trivial function: self-contained, so toThread can send its source. */
const addOne = (x: number): number => x + 1;

/** The default pool's size: a fresh executor's maxWorkers (it starts no worker until a job comes). */
const defaultExecutor = new ThreadPoolExecutor();
const THREADS = defaultExecutor.maxWorkers;
await defaultExecutor.shutdown();

function check(x: number, result: unknown): void {
  if (result !== x + 1) throw new Error(`call ${x} returned ${String(result)}, expected ${x + 1}`);
}

/** Awaits `call(i)` for i in [0, n), one after the other; returns the ms taken. */
async function sequential(call: (x: number) => PromiseLike<number>, n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) check(i, await call(i));
  return performance.now() - t0;
}

/** Starts `call(i)` for i in [0, n) at once, awaits them together; returns the ms taken. */
async function inFlight(call: (x: number) => PromiseLike<number>, n: number): Promise<number> {
  const t0 = performance.now();
  const pending = new Array<PromiseLike<number>>(n);
  for (let i = 0; i < n; i++) pending[i] = call(i);
  const results = await Promise.all(pending);
  const ms = performance.now() - t0;
  results.forEach((r, i) => check(i, r));
  return ms;
}

/**
 * One variant: `open` starts its pool and warms it up, and returns one timed
 * run (ms) and the way to close the pool.
 */
interface Variant {
  variant: string;
  open: () => Promise<{ timed: () => Promise<number>; close: () => unknown }>;
}

/** A variant on a pool that lives across the runs; `call` is one call of addOne on it. */
function onPool<P>(
  variant: string,
  start: () => P | Promise<P>,
  stop: (pool: P) => unknown,
  call: (pool: P) => (x: number) => PromiseLike<number>,
  shape: (call: (x: number) => PromiseLike<number>) => Promise<number>,
  warmThreads: number,
): Variant {
  return {
    variant,
    async open() {
      const pool = await start();
      try {
        const c = call(pool);
        await warmUp(c, warmThreads);
        return { timed: () => shape(c), close: () => stop(pool) };
      } catch (err) {
        await stop(pool);
        throw err;
      }
    },
  };
}

/**
 * Opens every variant, runs them interleaved (measureInterleaved), closes
 * them. Every pool is idle while another variant runs.
 */
async function compare(
  variants: Variant[],
  toValue: (ms: number) => number,
  options?: { warmup?: number; repeats?: number },
): Promise<Sample[]> {
  const opened: Array<{ close: () => unknown } | undefined> = [];
  const contenders: Contender[] = [];
  for (const v of variants) {
    try {
      const o = await v.open();
      opened.push(o);
      contenders.push({ variant: v.variant, fn: o.timed });
    } catch (err) {
      opened.push(undefined);
      contenders.push({ variant: v.variant, fn: () => 0, error: String(err instanceof Error ? err.stack : err) });
    }
  }
  try {
    return await measureInterleaved(contenders, toValue, options);
  } finally {
    for (const o of opened) await o?.close();
  }
}

// ---- raw worker_threads ------------------------------------------------------

/**
 * `threads` workers of bench/workers/raw-add-one.js. call() posts one
 * message per call to the next worker round-robin, every call in flight at
 * once; each worker answers in order, so a FIFO of resolvers per worker
 * matches replies without ids. batched() gathers the calls of one
 * synchronous burst into one array per worker, sent in a microtask.
 */
class RawPool {
  readonly #workers: Worker[] = [];
  readonly #waiting: Array<Array<(v: unknown) => void>> = [];
  readonly #heads: number[] = [];
  readonly #batches: Array<{ xs: number[]; resolvers: Array<(v: number) => void> } | undefined> = [];
  #next = 0;
  #flushScheduled = false;

  constructor(threads: number) {
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(rawModule);
      const queue: Array<(v: unknown) => void> = [];
      this.#workers.push(worker);
      this.#waiting.push(queue);
      this.#heads.push(0);
      this.#batches.push(undefined);
      worker.on("message", (reply: unknown) => {
        const head = this.#heads[i]!;
        const resolve = queue[head]!;
        queue[head] = undefined as never;
        if (head + 1 === queue.length) {
          queue.length = 0;
          this.#heads[i] = 0;
        } else this.#heads[i] = head + 1;
        resolve(reply);
      });
    }
  }

  call(x: number): Promise<number> {
    const i = this.#next;
    this.#next = i + 1 === this.#workers.length ? 0 : i + 1;
    return new Promise((resolve) => {
      this.#waiting[i]!.push(resolve as (v: unknown) => void);
      this.#workers[i]!.postMessage(x);
    });
  }

  batched(x: number): Promise<number> {
    const i = this.#next;
    this.#next = i + 1 === this.#workers.length ? 0 : i + 1;
    const batch = (this.#batches[i] ??= { xs: [], resolvers: [] });
    batch.xs.push(x);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => this.#flush());
    }
    return new Promise((resolve) => batch.resolvers.push(resolve));
  }

  #flush(): void {
    this.#flushScheduled = false;
    this.#batches.forEach((batch, i) => {
      if (batch === undefined) return;
      this.#batches[i] = undefined;
      this.#waiting[i]!.push((values) => {
        const vs = values as number[];
        for (let k = 0; k < vs.length; k++) batch.resolvers[k]!(vs[k]!);
      });
      this.#workers[i]!.postMessage(batch.xs);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}

// ---- piscina and tinypool ------------------------------------------------------

const piscinaName = `piscina ${version("piscina")}`;
const tinypoolName = `tinypool ${version("tinypool")}`;
const openPiscina = (threads: number) => () =>
  new Piscina<number, number>({
    filename: addOneModule,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: IDLE_SECONDS * 1000,
  });
const openTinypool = (threads: number) => () =>
  new Tinypool({ filename: addOneModule, minThreads: threads, maxThreads: threads, idleTimeout: IDLE_SECONDS * 1000 });

/** WARM_CALLS calls, `threads` at a time, so that every worker starts and runs the function. */
async function warmUp(call: (x: number) => PromiseLike<number>, threads: number): Promise<void> {
  for (let i = 0; i < WARM_CALLS; i += threads) {
    await Promise.all(Array.from({ length: threads }, (_, k) => call(i + k)));
  }
}

// ---- 1. latency ----------------------------------------------------------------

async function latency(): Promise<void> {
  const n = LATENCY_CALLS;
  const seq = (call: (x: number) => PromiseLike<number>) => sequential(call, n);
  const [subject, submit, raw, piscina, tinypool] = await compare(
    [
      {
        // One run() per timed run: its default pool starts in the warm-up calls.
        variant: "asyncio-ts toThread in run(), default pool",
        open: async () => ({
          timed: () =>
            run(async () => {
              await warmUp((x) => toThread(addOne, x), 1);
              return seq((x) => toThread(addOne, x));
            }),
          close: () => {},
        }),
      },
      onPool(
        "asyncio-ts ThreadPoolExecutor({ maxWorkers: 1 }).submit",
        () => new ThreadPoolExecutor({ maxWorkers: 1, idleTimeout: IDLE_SECONDS }),
        (p) => p.shutdown(),
        (p) => (x) => p.submit(addOne, x),
        seq,
        1,
      ),
      onPool(
        "raw worker_threads postMessage, 1 worker",
        () => new RawPool(1),
        (p) => p.close(),
        (p) => (x) => p.call(x),
        seq,
        1,
      ),
      onPool(
        `${piscinaName}, maxThreads 1`,
        openPiscina(1),
        (p) => p.destroy(),
        (p) => (x) => p.run(x),
        seq,
        1,
      ),
      onPool(
        `${tinypoolName}, maxThreads 1`,
        openTinypool(1),
        (p) => p.destroy(),
        (p) => (x) => p.run(x) as Promise<number>,
        seq,
        1,
      ),
    ],
    perOp(n),
  );
  emit("to-thread-latency", "us_per_op", subject!, [submit!, raw!, piscina!, tinypool!], {
    calls: n,
    warm_calls: WARM_CALLS,
  });
}

// ---- 2. throughput -------------------------------------------------------------

async function throughput(): Promise<void> {
  const n = THROUGHPUT_CALLS;
  const t = THREADS;
  const all = (call: (x: number) => PromiseLike<number>) => inFlight(call, n);
  let poolSize: number | undefined;
  const [subject, submit, raw, rawBatched, piscina, tinypool] = await compare(
    [
      {
        variant: `asyncio-ts gather of toThread in run(), default pool (${t} workers)`,
        open: async () => ({
          timed: () =>
            run(async () => {
              await warmUp((x) => toThread(addOne, x), t);
              poolSize = getRunningLoop().getDefaultExecutor()?.maxWorkers;
              const t0 = performance.now();
              const futures = Array.from({ length: n }, (_, i) => toThread(addOne, i));
              const results = await gather(...futures);
              const ms = performance.now() - t0;
              results.forEach((r, i) => check(i, r));
              return ms;
            }),
          close: () => {},
        }),
      },
      onPool(
        `asyncio-ts ThreadPoolExecutor().submit + Promise.all, maxWorkers ${t}`,
        () => new ThreadPoolExecutor({ idleTimeout: IDLE_SECONDS }),
        (p) => p.shutdown(),
        (p) => (x) => p.submit(addOne, x),
        all,
        t,
      ),
      onPool(
        `raw worker_threads pipelined, ${t} workers round-robin`,
        () => new RawPool(t),
        (p) => p.close(),
        (p) => (x) => p.call(x),
        all,
        t,
      ),
      onPool(
        `raw worker_threads batched, ${t} workers, one message per worker per burst`,
        () => new RawPool(t),
        (p) => p.close(),
        (p) => (x) => p.batched(x),
        all,
        t,
      ),
      onPool(
        `${piscinaName}, maxThreads ${t}`,
        openPiscina(t),
        (p) => p.destroy(),
        (p) => (x) => p.run(x),
        all,
        t,
      ),
      onPool(
        `${tinypoolName}, maxThreads ${t}`,
        openTinypool(t),
        (p) => p.destroy(),
        (p) => (x) => p.run(x) as Promise<number>,
        all,
        t,
      ),
    ],
    perOp(n),
  );
  if (poolSize !== undefined && poolSize !== t) {
    subject!.error = `the default pool has ${poolSize} workers, the baselines ${t}`;
  }
  emit("to-thread-throughput", "us_per_op", subject!, [submit!, raw!, rawBatched!, piscina!, tinypool!], {
    calls: n,
    threads: t,
  });
}

// ---- 3. CPU-bound speedup ------------------------------------------------------

/** Pure CPU work: n rounds of integer arithmetic. Self-contained for toThread. */
function spin(n: number): number {
  let x = 0;
  for (let i = 0; i < n; i++) x = (x + Math.imul(i, i)) % 1_000_003;
  return x;
}

/** The n for which spin(n) takes about CPU_SECONDS on the main thread, and what it took. */
function calibrate(): { n: number; callMs: number } {
  // The fastest of a few calls: V8 tiers spin up over its first calls
  // (Maglev, then TurboFan on Node 24), and other work may steal the CPU.
  const fastest = (n: number, times: number): number => {
    let best = Infinity;
    for (let k = 0; k < times; k++) {
      const t0 = performance.now();
      spin(n);
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  };
  let n = 1_000_000;
  fastest(n, 5);
  for (let round = 0; round < 3; round++) {
    n = Math.round((n * CPU_SECONDS * 1000) / Math.max(fastest(n, 2), 1));
  }
  return { n, callMs: fastest(n, 2) };
}

/** CPython's gather of to_thread and the same calls one after another, under one version (harness PYTHONS). */
function cpython(version: string): { threads: Sample; sequential: Sample } {
  const warmup = 1;
  const out = runPython<{
    python: string;
    n: number;
    call_ms: number;
    threads: number;
    threads_ms: number;
    threads_runs: number[];
    sequential_ms: number;
    sequential_runs: number[];
  }>(version, `${root}bench/python/to_thread.py`, [CPU_CALLS, CPU_SECONDS, warmup, REPEATS]);
  if (!out.ok) {
    const error = out.error;
    return {
      threads: { variant: `CPython ${version} asyncio.gather of asyncio.to_thread`, value: null, error },
      sequential: { variant: `CPython ${version}, the same calls one after another`, value: null, error },
    };
  }
  const r = out.result;
  return {
    threads: {
      variant: `CPython ${r.python} asyncio.gather of ${CPU_CALLS} asyncio.to_thread (${r.threads} threads)`,
      value: r.threads_ms,
      runs: r.threads_runs,
      warmup,
      speedup: round(r.sequential_ms / r.threads_ms),
      iterations: r.n,
      call_ms: r.call_ms,
    },
    sequential: {
      variant: `CPython ${r.python}, the same ${CPU_CALLS} calls one after another`,
      value: r.sequential_ms,
      runs: r.sequential_runs,
      warmup,
      iterations: r.n,
      call_ms: r.call_ms,
    },
  };
}

async function cpu(): Promise<void> {
  const freeBefore = await freeCores();
  const { n, callMs } = calibrate();
  const calls = CPU_CALLS;
  const [subject, mainThread] = await measureInterleaved(
    [
      {
        variant: `asyncio-ts gather of ${calls} toThread, default pool (${THREADS} workers)`,
        fn: () =>
          run(async () => {
            // Starts the workers and compiles spin in each.
            await gather(...Array.from({ length: calls }, () => toThread(spin, 1000)));
            const t0 = performance.now();
            await gather(...Array.from({ length: calls }, () => toThread(spin, n)));
            return performance.now() - t0;
          }),
      },
      {
        variant: `main thread, ${calls} calls one after another`,
        fn: () => {
          for (let k = 0; k < calls; k++) spin(n);
        },
      },
    ],
    (ms) => ms,
    { warmup: 1 },
  );
  if (subject === undefined || mainThread === undefined) throw new Error("unreachable");
  if (subject.value !== null && mainThread.value !== null) subject.speedup = round(mainThread.value / subject.value);
  const py = PYTHONS.map(cpython).flatMap(({ threads, sequential }) => [threads, sequential]);
  emit("to-thread-cpu", "median_ms", subject, [mainThread, ...py], {
    calls,
    iterations: n,
    call_ms: round(callMs),
    cores: os.cpus().length,
    available_parallelism: os.availableParallelism(),
    threads: THREADS,
    free_cores_before: freeBefore,
    free_cores_after: await freeCores(),
  });
}

if (PARTS.has("latency")) await latency();
if (PARTS.has("throughput")) await throughput();
if (PARTS.has("cpu")) await cpu();

// Not needed for the figures: a sanity line for whoever runs the file by hand.
console.error(`# to-thread bench done (warm-up ${WARMUP}, repeats ${REPEATS}, ${THREADS} threads)`);
