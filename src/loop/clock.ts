/**
 * Clock: where the event loop reads time and how it waits for its next timer.
 *
 * asyncio-ts's own addition (CPython's loop reads time.monotonic() directly):
 * tests pass a {@link VirtualClock}, as CPython's tests use TestLoop, so that
 * timing assertions are exact and nothing waits on the wall clock.
 *
 * @module
 */

import { performance } from "node:perf_hooks";

/** The loop's source of time, in seconds, and its way to wait for a deadline. */
export interface Clock {
  /** Monotonic time in seconds. */
  now(): number;
  /**
   * Calls `callback` once, at or after `deadline` (seconds on this clock),
   * when the loop has nothing ready to run. Returns a function that cancels it.
   */
  wakeAt(deadline: number, callback: () => void): () => void;
  /** How close to its deadline a timer counts as due, in seconds. */
  readonly resolution: number;
}

/** The real monotonic clock (performance.now), waiting with setTimeout. */
export class MonotonicClock implements Clock {
  readonly resolution = 0.001;
  now(): number {
    return performance.now() / 1000;
  }
  wakeAt(deadline: number, callback: () => void): () => void {
    const ms = Math.max(0, Math.ceil((deadline - this.now()) * 1000));
    const handle = setTimeout(callback, ms);
    return () => clearTimeout(handle);
  }
}

/**
 * A clock that jumps to the next deadline as soon as the loop has nothing
 * ready to run: `sleep(3600)` returns at once, and at `now() === 3600`.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * await run(() => sleep(10), { loopFactory: () => new EventLoop({ clock }) });
 * clock.now(); // 10
 * ```
 */
export class VirtualClock implements Clock {
  readonly resolution = 0;
  #now: number;
  constructor(start = 0) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  /** Moves time forward by `seconds` (never backward). */
  advance(seconds: number): void {
    this.#now += Math.max(0, seconds);
  }
  wakeAt(deadline: number, callback: () => void): () => void {
    // setImmediate runs after every pending promise reaction: every task
    // that could still run before the deadline has done so.
    const handle = setImmediate(() => {
      if (deadline > this.#now) this.#now = deadline;
      callback();
    });
    return () => clearImmediate(handle);
  }
}
