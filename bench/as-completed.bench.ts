/**
 * asCompleted() over 10,000 tasks, consuming every result in completion
 * order, in ms per run, against an efficient raw version: each promise
 * pushes its result into a queue that one consumer drains (O(1) per
 * completion; not a Promise.race loop, which is O(n) per completion).
 *
 * Two benches: "as-completed" (each task sleeps a seeded random 0-10 ms)
 * and "as-completed-sleep0" (each does sleep(0): pure overhead; the raw
 * version awaits one setImmediate).
 *
 * @module
 */

import { performance } from "node:perf_hooks";
import { asCompleted, run, sleep } from "asyncio-ts";
import { emit, measure, seededRandom } from "./harness.js";

const N = 10_000;
const random = seededRandom(7);
const delays = Array.from({ length: N }, () => Math.floor(random() * 11));
const zeros = new Array<number>(N).fill(0);

const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const timeout = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The raw version: results land in a queue; the consumer awaits only when it is empty. */
async function rawAsCompleted(ms: readonly number[], wait: (ms: number) => Promise<void>): Promise<number> {
  const queue: number[] = [];
  let head = 0;
  let waiter: ((value: number) => void) | undefined;
  const put = (value: number): void => {
    if (waiter === undefined) {
      queue.push(value);
      return;
    }
    const w = waiter;
    waiter = undefined;
    w(value);
  };
  for (const d of ms) {
    void (async () => {
      await wait(d);
      return d;
    })().then(put);
  }
  let sum = 0;
  for (let i = 0; i < ms.length; i++) {
    sum += head < queue.length ? queue[head++]! : await new Promise<number>((resolve) => (waiter = resolve));
  }
  return sum;
}

function asyncioTs(ms: readonly number[]): Promise<number> {
  return run(async () => {
    const t0 = performance.now();
    const fns = ms.map((d) => async () => {
      await sleep(d / 1000);
      return d;
    });
    let sum = 0;
    for (const next of asCompleted(fns)) sum += await next;
    if (sum !== ms.reduce((a, b) => a + b, 0)) throw new Error(`asCompleted lost results: sum ${sum}`);
    return performance.now() - t0;
  });
}

// Raw first: on Node 20 the first AsyncLocalStorage.run turns on promise
// hooks for the rest of the process, which would slow the raw baseline.
const rawTimers = await measure("raw promises into a queue + setTimeout", () =>
  rawAsCompleted(delays, timeout).then(() => {}),
);
const rawZero = await measure("raw promises into a queue + setImmediate", () =>
  rawAsCompleted(zeros, immediate).then(() => {}),
);
const timers = await measure("asyncio-ts asCompleted + sleep(0-10 ms)", () => asyncioTs(delays));
const zero = await measure("asyncio-ts asCompleted + sleep(0)", () => asyncioTs(zeros));

emit("as-completed", "median_ms", timers, [rawTimers], { tasks: N, longest_ms: Math.max(...delays) });
emit("as-completed-sleep0", "median_ms", zero, [rawZero], { tasks: N });
