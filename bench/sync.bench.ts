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

async function rawLock(): Promise<void> {
  const lock = new RawMutex();
  for (let i = 0; i < N; i++) {
    await lock.acquire();
    lock.release();
  }
}

async function rawLockContended(): Promise<void> {
  const lock = new RawMutex();
  const worker = async (): Promise<void> => {
    for (let i = 0; i < N / TASKS; i++) {
      await lock.acquire();
      await immediate();
      lock.release();
    }
  };
  await Promise.all(Array.from({ length: TASKS }, worker));
}

async function rawQueue(consumers: number): Promise<void> {
  const q = new RawQueue<number | null>(MAXSIZE);
  let total = 0;
  const producer = async (): Promise<void> => {
    for (let i = 0; i < N; i++) await q.put(i);
    for (let c = 0; c < consumers; c++) await q.put(null);
  };
  const consumer = async (): Promise<void> => {
    while ((await q.get()) !== null) total++;
  };
  await Promise.all([producer(), ...Array.from({ length: consumers }, consumer)]);
  if (total !== N) throw new Error(`consumed ${total} items, expected ${N}`);
}

// ---- asyncio-ts ---------------------------------------------------------------

async function lockUncontended(): Promise<void> {
  const lock = new Lock();
  for (let i = 0; i < N; i++) {
    await lock.acquire();
    lock.release();
  }
}

async function lockContended(): Promise<void> {
  const lock = new Lock();
  const worker = async (): Promise<void> => {
    for (let i = 0; i < N / TASKS; i++) {
      await lock.acquire();
      await sleep(0);
      lock.release();
    }
  };
  // Distinct functions: gather counts the same awaitable once.
  await gather(...Array.from({ length: TASKS }, () => () => worker()));
}

async function queue(consumers: number): Promise<void> {
  const q = new Queue<number | null>({ maxsize: MAXSIZE });
  let total = 0;
  const producer = async (): Promise<void> => {
    for (let i = 0; i < N; i++) await q.put(i);
    for (let c = 0; c < consumers; c++) await q.put(null);
  };
  const consumer = async (): Promise<void> => {
    while ((await q.get()) !== null) total++;
  };
  await gather(producer, ...Array.from({ length: consumers }, () => () => consumer()));
  if (total !== N) throw new Error(`consumed ${total} items, expected ${N}`);
}

// ---- the runs ---------------------------------------------------------------

// Raw first: on Node 20 the first AsyncLocalStorage.run (run() makes one)
// turns on promise hooks for the rest of the process.
const raws = {
  lock: await measure("raw promise mutex", rawLock, perOp(N)),
  "lock-contended": await measure("raw promise mutex + setImmediate", rawLockContended, perOp(N)),
  queue: await measure("raw promise queue, 1 consumer", () => rawQueue(1), perOp(N)),
  "queue-multi": await measure(`raw promise queue, ${CONSUMERS} consumers`, () => rawQueue(CONSUMERS), perOp(N)),
};
const ours = {
  lock: await measure("asyncio-ts Lock", () => run(lockUncontended), perOp(N)),
  "lock-contended": await measure("asyncio-ts Lock + sleep(0)", () => run(lockContended), perOp(N)),
  queue: await measure("asyncio-ts Queue, 1 consumer", () => run(() => queue(1)), perOp(N)),
  "queue-multi": await measure(`asyncio-ts Queue, ${CONSUMERS} consumers`, () => run(() => queue(CONSUMERS)), perOp(N)),
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
