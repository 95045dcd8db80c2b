/**
 * Synchronization primitives, in microseconds per operation, against the
 * same programs on raw promises and under CPython (bench/python/sync.py,
 * under 3.11 and 3.13: harness PYTHONS), measured in the same run:
 *
 * - lock: one task acquires and releases a free Lock 100,000 times.
 * - lock-contended: 100 tasks take a Lock 1,000 times each, holding it over
 *   one loop turn (sleep(0); setImmediate in the raw version).
 * - queue: one producer puts 100,000 items into a Queue of maxsize 100, one
 *   consumer gets them.
 * - queue-multi: the same with 4 consumers.
 *
 * The raw versions are the smallest promise code doing the same: a mutex of
 * a flag and a FIFO of resolvers, and a bounded queue of an array and two
 * FIFOs of resolvers.
 *
 * Environment: BENCH_SYNC_OPS (100,000), with the harness's BENCH_WARMUP and
 * BENCH_REPEATS.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { Lock, Queue, gather, run, sleep } from "asyncio-ts";
import { PYTHONS, REPEATS, type Sample, WARMUP, emit, measure, perOp, runPython } from "./harness.js";

const N = Number(process.env.BENCH_SYNC_OPS ?? 100_000);
const TASKS = 100;
const CONSUMERS = 4;
const MAXSIZE = 100;
const root = fileURLToPath(new URL("../../", import.meta.url));

// ---- raw promise versions ---------------------------------------------------

const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const resolved = Promise.resolve();

class RawMutex {
  #locked = false;
  readonly #waiters: (() => void)[] = [];
  acquire(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return resolved;
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
  release(): void {
    const next = this.#waiters.shift();
    if (next !== undefined) next();
    else this.#locked = false;
  }
}

class RawQueue<T> {
  readonly #items: T[] = [];
  readonly #getters: ((item: T) => void)[] = [];
  readonly #putters: (() => void)[] = [];
  constructor(readonly maxsize: number) {}
  async put(item: T): Promise<void> {
    while (this.#items.length >= this.maxsize) await new Promise<void>((resolve) => this.#putters.push(resolve));
    const getter = this.#getters.shift();
    if (getter !== undefined) getter(item);
    else this.#items.push(item);
  }
  get(): Promise<T> {
    if (this.#items.length > 0) {
      const item = this.#items.shift()!;
      this.#putters.shift()?.();
      return Promise.resolve(item);
    }
    return new Promise((resolve) => this.#getters.push(resolve));
  }
}

// ---- the programs, for either kind of lock and queue ---------------------------

interface AnyLock {
  acquire(): PromiseLike<unknown>;
  release(): void;
}
interface AnyQueue<T> {
  put(item: T): PromiseLike<void>;
  get(): PromiseLike<T>;
}
/** Runs the functions concurrently: Promise.all of their calls, or gather() of them as Tasks. */
type RunAll = (fns: (() => Promise<void>)[]) => PromiseLike<unknown>;
const rawAll: RunAll = (fns) => Promise.all(fns.map((fn) => fn()));
const gatherAll: RunAll = (fns) => gather(...fns);

async function lockAlone(lock: AnyLock): Promise<void> {
  for (let i = 0; i < N; i++) {
    await lock.acquire();
    lock.release();
  }
}

async function lockShared(lock: AnyLock, turn: () => PromiseLike<unknown>, all: RunAll): Promise<void> {
  const worker = async (): Promise<void> => {
    for (let i = 0; i < N / TASKS; i++) {
      await lock.acquire();
      await turn();
      lock.release();
    }
  };
  // Distinct functions: gather counts the same awaitable once.
  await all(Array.from({ length: TASKS }, () => () => worker()));
}

async function pipe(q: AnyQueue<number | null>, consumers: number, all: RunAll): Promise<void> {
  let total = 0;
  const producer = async (): Promise<void> => {
    for (let i = 0; i < N; i++) await q.put(i);
    for (let c = 0; c < consumers; c++) await q.put(null);
  };
  const consumer = async (): Promise<void> => {
    while ((await q.get()) !== null) total++;
  };
  await all([producer, ...Array.from({ length: consumers }, () => () => consumer())]);
  if (total !== N) throw new Error(`consumed ${total} items, expected ${N}`);
}

// ---- the runs ---------------------------------------------------------------

// Raw first: on Node 20 the first AsyncLocalStorage.run (run() makes one)
// turns on promise hooks for the rest of the process.
const raws = {
  lock: await measure("raw promise mutex", () => lockAlone(new RawMutex()), perOp(N)),
  "lock-contended": await measure(
    "raw promise mutex + setImmediate",
    () => lockShared(new RawMutex(), immediate, rawAll),
    perOp(N),
  ),
  queue: await measure("raw promise queue, 1 consumer", () => pipe(new RawQueue(MAXSIZE), 1, rawAll), perOp(N)),
  "queue-multi": await measure(
    `raw promise queue, ${CONSUMERS} consumers`,
    () => pipe(new RawQueue(MAXSIZE), CONSUMERS, rawAll),
    perOp(N),
  ),
};
const ours = {
  lock: await measure("asyncio-ts Lock", () => run(() => lockAlone(new Lock())), perOp(N)),
  "lock-contended": await measure(
    "asyncio-ts Lock + sleep(0)",
    () => run(() => lockShared(new Lock(), () => sleep(0), gatherAll)),
    perOp(N),
  ),
  queue: await measure(
    "asyncio-ts Queue, 1 consumer",
    () => run(() => pipe(new Queue({ maxsize: MAXSIZE }), 1, gatherAll)),
    perOp(N),
  ),
  "queue-multi": await measure(
    `asyncio-ts Queue, ${CONSUMERS} consumers`,
    () => run(() => pipe(new Queue({ maxsize: MAXSIZE }), CONSUMERS, gatherAll)),
    perOp(N),
  ),
};

type PythonResult = { python: string } & Record<string, { us_per_op: number; runs: number[] }>;
const pythons = PYTHONS.map((v) => ({
  v,
  out: runPython<PythonResult>(v, `${root}bench/python/sync.py`, [N, WARMUP, REPEATS]),
}));
const what = {
  lock: "asyncio.Lock",
  "lock-contended": "asyncio.Lock + sleep(0)",
  queue: "asyncio.Queue, 1 consumer",
  "queue-multi": `asyncio.Queue, ${CONSUMERS} consumers`,
};

for (const part of ["lock", "lock-contended", "queue", "queue-multi"] as const) {
  const cpython: Sample[] = pythons.map(({ v, out }) =>
    out.ok
      ? {
          variant: `CPython ${out.result.python} ${what[part]}`,
          value: out.result[part]!.us_per_op,
          runs: out.result[part]!.runs,
          warmup: WARMUP,
        }
      : { variant: `CPython ${v} ${what[part]}`, value: null, error: out.error },
  );
  emit(part, "us_per_op", ours[part], [raws[part], ...cpython], { ops: N });
}
