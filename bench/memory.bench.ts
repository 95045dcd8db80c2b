/**
 * Heap bytes per pending task: 100,000 tasks each blocked on its own
 * never-resolved Future, as the heapUsed delta after global.gc() divided by
 * 100,000, against 100,000 pending async functions each awaiting its own
 * never-resolved promise, with and without an AsyncLocalStorage.run each.
 * In both, an array holds what would complete each waiter (the Future, or
 * the promise's resolve function), as real code holds it; without that the
 * raw promise and its async function would be garbage.
 *
 * Needs `node --expose-gc` (scripts/bench.js passes it).
 *
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { Future, createTask, run, sleep } from "asyncio-ts";
import { emit, measure } from "./harness.js";

const N = 100_000;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("memory.bench needs node --expose-gc");

function heapUsed(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

const bytes = (b: number): number => b;
const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
// Keeps what is measured reachable while the heap is read (exported, so it counts as used).
export let held: unknown[] = [];

async function rawPending(wrap: (i: number, body: () => Promise<void>) => Promise<void>): Promise<number> {
  const before = heapUsed();
  const resolvers = new Array<() => void>(N);
  const pending = new Array<Promise<void>>(N);
  for (let i = 0; i < N; i++) {
    pending[i] = wrap(i, async () => {
      await new Promise<void>((resolve) => (resolvers[i] = resolve));
    });
  }
  await immediate();
  const after = heapUsed();
  held = [resolvers, pending];
  // Let them finish, so that the next run starts from an empty heap.
  for (const resolve of resolvers) resolve();
  await Promise.all(pending);
  held = [];
  return (after - before) / N;
}

// Raw first: on Node 20 the first AsyncLocalStorage.run turns on promise
// hooks for the rest of the process, which would change the raw figure.
const raw = await measure("raw async functions awaiting a promise", () => rawPending((_i, body) => body()), bytes);
const als = new AsyncLocalStorage<number>();
const rawAls = await measure(
  "raw async functions awaiting a promise + AsyncLocalStorage.run",
  () => rawPending((i, body) => als.run(i, body)),
  bytes,
);

const asyncioTs = await measure(
  "asyncio-ts tasks awaiting a Future",
  () =>
    run(async () => {
      const before = heapUsed();
      const futures = new Array<Future<void>>(N);
      for (let i = 0; i < N; i++) {
        const future = new Future<void>();
        futures[i] = future;
        createTask(async () => {
          await future;
        });
      }
      // Tasks start on the next turn; one more, and every one is blocked.
      await sleep(0);
      await sleep(0);
      const after = heapUsed();
      held = [futures];
      // Let them finish, so that the next run starts from an empty heap.
      for (const future of futures) future.setResult();
      await sleep(0);
      await sleep(0);
      held = [];
      return (after - before) / N;
    }),
  bytes,
);

emit("memory", "bytes_per_op", asyncioTs, [raw, rawAls], { tasks: N });
