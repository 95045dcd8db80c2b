/**
 * Jobs that block their worker thread until the test releases them, and a
 * watchdog that turns a wait that would never end into a clear failure:
 * for the thread pool's scheduling tests (test/threads/scheduling*.test.ts).
 */
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { type Future, type JobSignal, cancellable } from "asyncio-ts";

// Gate k of a gate array is three slots: [started, released, finished].
export const STARTED = 0;
export const RELEASED = 1;
export const FINISHED = 2;

/** `count` gates on shared memory, all closed. */
export function newGates(count = 1): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Math.max(1, count) * 3 * 4));
}

export function gateSlot(k: number, slot: number): number {
  return 3 * k + slot;
}

/** Lets the job at gate `k` return. */
export function release(gates: Int32Array, k = 0): void {
  Atomics.store(gates, 3 * k + RELEASED, 1);
  Atomics.notify(gates, 3 * k + RELEASED);
}

/** Blocks its worker until the test releases gate `k`; ignores any cancellation. */
export const blockUntilReleased = (gates: Int32Array, k: number): string => {
  Atomics.store(gates, 3 * k, 1); // started
  // Released by the test; the time limit only frees the worker of a test
  // run that was killed before it could release it.
  Atomics.wait(gates, 3 * k + 1, 0, 300_000);
  Atomics.store(gates, 3 * k + 2, 1); // finished
  return `blocker ${k} released`;
};

/** The same, made with cancellable(): it gets a JobSignal and never looks at it. */
export const blockIgnoringSignal = cancellable((_signal: JobSignal, gates: Int32Array, k: number): string => {
  Atomics.store(gates, 3 * k, 1);
  Atomics.wait(gates, 3 * k + 1, 0, 300_000);
  Atomics.store(gates, 3 * k + 2, 1);
  return `blocker ${k} released`;
});

/**
 * A native promise of a Future's outcome, observed with a done callback:
 * calling then() on a Future from a task would make it the task's waiter.
 */
export function outcomeOf<T>(fut: Future<T>): Promise<T> {
  return new Promise<T>((resolve, reject) =>
    fut.addDoneCallback((f) => {
      try {
        resolve(f.result());
      } catch (err) {
        reject(err);
      }
    }),
  );
}

/**
 * `work`'s value; or, after `seconds`, an AssertionError with the message
 * `onExpiry()` returns (it also releases what blocks, so the pool can shut
 * down).
 */
export async function watchdog<T>(work: Promise<T>, seconds: number, onExpiry: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new assert.AssertionError({ message: onExpiry() })), seconds * 1000);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until `done()` holds, polling; fails with `what()` after `seconds` (calling `onExpiry` first). */
export async function until(
  done: () => boolean,
  seconds: number,
  what: () => string,
  onExpiry: () => void = () => {},
): Promise<void> {
  let stop = false;
  const poll = (async () => {
    while (!done() && !stop) await new Promise((resolve) => setTimeout(resolve, 1));
  })();
  try {
    await watchdog(poll, seconds, () => {
      onExpiry();
      return what();
    });
  } finally {
    stop = true;
  }
}

/** A value for a failure message; an error as its class, message and code, without its stack. */
export function show(value: unknown): string {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return `${value.constructor.name}(${JSON.stringify(value.message)}${code === undefined ? "" : `, code ${String(code)}`})`;
  }
  return inspect(value, { depth: 2, breakLength: Infinity });
}
