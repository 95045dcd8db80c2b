/**
 * sleep(): suspend the current task for some seconds.
 *
 * Port of CPython 3.13 Lib/asyncio/tasks.py `sleep` and `__sleep0`. Differs:
 * returns a Future (cancellable, awaitable, and accepted by createTask)
 * instead of a coroutine. A delay of zero or less is one loop turn, as in
 * CPython. sleep(0) stands for CPython's bare `yield`: a task cancelled there
 * has its cancel pending (a later cancel's message wins, `uncancel()` takes it
 * back) and wakes at its place in the queue, with CancelledError.
 *
 * @module
 */

import { abortError, checkSeconds, checkSignal } from "../errors.js";
import { Future, _onAbortWhilePending, _setResultUnlessCancelled } from "../futures.js";
import { getRunningLoop } from "../loop/running-loop.js";
import type { TimerHandle } from "../loop/handles.js";

/**
 * Waits `delay` seconds, then resolves to `result`. `sleep(0)` yields exactly
 * one loop turn, letting every other ready task run; a negative delay does
 * the same, so `await sleep(deadline - loop.time())` is safe.
 *
 * @param delay - Seconds, as in asyncio (`0.2` is 200 ms).
 * @param result - What the sleep resolves to.
 * @param options - `signal`: ends the sleep when aborted, with an AbortError
 *   (its cause the signal's reason), as Node's `timers/promises` does.
 * @throws {TypeError} for a delay that is not a number.
 * @throws {RangeError} for a NaN delay.
 * @throws {RuntimeError} outside a running loop.
 * @example
 * ```ts
 * await sleep(0.1);
 * const x = await sleep(1, "done"); // "done"
 * ```
 */
export function sleep(delay: number): Future<void>;
export function sleep<T>(delay: number, result: T, options?: SleepOptions): Future<T>;
export function sleep<T>(delay: number, result?: T, options?: SleepOptions): Future<T | undefined> {
  checkSeconds(delay, "sleep() delay");
  const signal = options === undefined ? undefined : checkSignal(options.signal, "sleep()");
  const loop = getRunningLoop();
  const future = new SleepFuture<T | undefined>({ loop });
  future._result = result;
  if (delay <= 0) {
    // One turn: the awaiting task resumes in the next turn, not the one
    // after. The Future is its own handle in the ready queue (_run).
    loop._schedule(future);
  } else {
    future._timer = loop._timer(loop.time() + delay, wake, future, delay);
  }
  if (signal !== undefined) abortOn(future, signal);
  return future;
}

/** Options of {@link sleep}. */
export interface SleepOptions {
  /** Ends the sleep with an AbortError when aborted. */
  signal?: AbortSignal;
}

function abortOn(future: SleepFuture<unknown>, signal: AbortSignal): void {
  _onAbortWhilePending(future, signal, () => {
    if (future.done()) return;
    future._timer?.cancel();
    future._timer = undefined;
    future.setException(abortError(signal, "sleep()"));
  });
}

/** A sleep's Future: cancelling it cancels its timer. */
class SleepFuture<T> extends Future<T> {
  _timer: TimerHandle | undefined = undefined;
  _result: T | undefined = undefined;
  // A sleep(0) whose turn has not come yet: pending, with no timer.
  override _isBareYield(): boolean {
    return this._timer === undefined && !this.done();
  }
  override cancel(msg?: string): boolean {
    if (!super.cancel(msg)) return false;
    this._timer?.cancel();
    this._timer = undefined;
    return true;
  }
  /** A sleep(0)'s turn, run from the loop's ready queue: wakes the awaiting task now. */
  _run(): void {
    if (!this.done()) this._setResultNow(this._result as T); // Done already if its signal aborted.
  }
  /** @internal */
  override _describe(): string {
    return this._timer === undefined ? "sleep(0)" : "sleep()";
  }
  /** For debug mode: the ready queue holds a callback here, not a task's step. */
  get _step(): boolean {
    return false;
  }
}

function wake(future: SleepFuture<unknown>): void {
  future._timer = undefined;
  _setResultUnlessCancelled(future, future._result);
}
