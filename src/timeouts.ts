/**
 * timeout(), timeoutAt(): cancel a block of code that runs past a deadline.
 *
 * Port of CPython 3.13 Lib/asyncio/timeouts.py. Differs: asyncio's
 * `async with timeout(1):` becomes a callback, `await timeout(1, async (t) =>
 * …)`, because the block's CancelledError must become a TimeoutError, and an
 * `await using` disposer cannot replace the error leaving its block (it can
 * only add a SuppressedError around it). When an expired block ends with
 * another error than CancelledError, 3.13 links a TimeoutError into that
 * error's implicit `__context__` chain; JavaScript has no such chain, so the
 * error passes unchanged.
 *
 * @module
 */

import {
  CancelledError,
  RuntimeError,
  TimeoutError,
  abortError,
  checkSeconds,
  checkSignal,
  seconds,
  show,
  typeError,
} from "./errors.js";
import type { TimerHandle, Handle } from "./loop/handles.js";
import { getRunningLoop } from "./loop/running-loop.js";
import { Coroutine } from "./tasks/coroutine.js";
import { currentTask } from "./tasks/current-task.js";
import type { Task } from "./tasks/task.js";
import { isThenable } from "./util.js";

type State = "created" | "active" | "expiring" | "expired" | "finished";

/** The block the timeout guards: a function given the Timeout, or an awaitable. */
export type TimeoutBody<T> = ((timeout: Timeout) => T | PromiseLike<T>) | PromiseLike<T>;

/** Options of {@link timeout} and {@link timeoutAt}. */
export interface TimeoutOptions {
  /**
   * Cancels the block when aborted, as the deadline does; the block then
   * throws an AbortError (its cause the signal's reason) instead of a
   * TimeoutError.
   */
  signal?: AbortSignal;
}

/** A deadline over a block of code; see {@link timeout}. */
export class Timeout {
  #state: State = "created";
  #handler: Handle | TimerHandle | undefined;
  #task: Task<unknown> | undefined;
  #when: number | null;
  #cancelling = 0;
  readonly #what: string;
  #entered = 0;
  readonly #signal: AbortSignal | undefined;
  #aborted = false;

  /** timeout(), timeoutAt() and waitFor() make it, and run the block in it. */
  protected constructor(when: number | null, what: string, signal: AbortSignal | undefined) {
    this.#when = when;
    this.#what = what;
    this.#signal = signal;
  }

  /**
   * @internal `what` names the caller in the TimeoutError's message;
   * `signal` cancels the block as the deadline does.
   */
  static _new(when: number | null, what: string, signal?: AbortSignal): Timeout {
    return new Timeout(when, what, signal);
  }

  /** The deadline, in loop time (`loop.time()`), or null for none. */
  when(): number | null {
    return this.#when;
  }

  /** Moves the deadline (loop time, or null for none). Only while the block runs. */
  reschedule(when: number | null): void {
    if (this.#state !== "active") {
      if (this.#state === "created")
        throw new RuntimeError("Timeout has not been entered: reschedule() works inside the block");
      throw new RuntimeError(`Cannot change state of ${this.#state} Timeout: reschedule() works inside the block`);
    }
    if (when !== null) checkSeconds(when, "reschedule() when");
    this.#when = when;
    this.#handler?.cancel();
    if (when === null) {
      this.#handler = undefined;
    } else {
      const loop = getRunningLoop();
      this.#handler = when <= loop.time() ? loop.callSoon(this.#onTimeout) : loop.callAt(when, this.#onTimeout);
    }
  }

  /** True once the deadline passed while the block ran. */
  expired(): boolean {
    return this.#state === "expiring" || this.#state === "expired";
  }

  toString(): string {
    const when =
      this.#state !== "active" ? "" : ` when=${this.#when === null ? "null" : Math.round(this.#when * 1000) / 1000}`;
    return `<Timeout [${this.#state}]${when}>`;
  }

  /** @internal Runs the block under the deadline. */
  async _run<T>(body: TimeoutBody<T>): Promise<T> {
    this.#enter();
    let result: T;
    try {
      result = await (typeof body === "function" ? body(this) : body);
    } catch (err) {
      this.#exit(err);
      throw err;
    }
    this.#exit(undefined);
    return result;
  }

  #enter(): void {
    if (this.#state !== "created")
      throw new RuntimeError("Timeout has already been entered: make a new one with timeout()");
    const task = currentTask();
    if (task === undefined)
      throw new RuntimeError(
        "Timeout should be used inside a task: await timeout(...) in code that run() or createTask() started",
      );
    this.#state = "active";
    this.#task = task;
    this.#entered = task.getLoop().time();
    this.#cancelling = task.cancelling();
    this.reschedule(this.#when);
    const signal = this.#signal;
    if (signal !== undefined) {
      if (signal.aborted) task.getLoop().callSoon(this.#onAbort);
      else signal.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  #exit(err: unknown): void {
    this.#handler?.cancel();
    this.#handler = undefined;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    if (this.#state === "expiring") {
      this.#state = "expired";
      if (this.#task!.uncancel() <= this.#cancelling && err instanceof CancelledError) {
        if (this.#aborted) throw abortError(this.#signal!, this.#what);
        // CPython's message is empty; this one says what ran out, and the
        // time the block had (deadline minus the time it was entered).
        const verb = this.#what === "waitFor()" ? "timed out" : "expired";
        const allowed = seconds(Math.max(0, this.#when! - this.#entered));
        throw new TimeoutError(`${this.#what} ${verb} after ${allowed} s`, { cause: err });
      }
    } else if (this.#state === "active") {
      this.#state = "finished";
    }
  }

  readonly #onTimeout = (): void => {
    this.#task!.cancel();
    this.#state = "expiring";
    this.#handler = undefined;
  };

  // The signal aborted: the block is cancelled as at the deadline, once.
  readonly #onAbort = (): void => {
    if (this.#state !== "active") return;
    this.#aborted = true;
    this.#handler?.cancel();
    this.#onTimeout();
  };
}

/**
 * Runs `body` and cancels it if it is still running after `delay` seconds;
 * the cancellation then surfaces as TimeoutError. `body` gets the Timeout,
 * whose `reschedule()` moves the deadline.
 *
 * @param delay - Seconds, or null for no deadline.
 * @returns a lazy Coroutine of the body's result: await it.
 * @throws {TimeoutError} when the deadline passes while `body` runs.
 * @throws AbortError (a DOMException) when `options.signal` aborts while `body` runs.
 * @throws {RuntimeError} outside a task.
 * @example
 * ```ts
 * try {
 *   await timeout(10, async () => { await longRunningTask(); });
 * } catch (err) {
 *   if (err instanceof TimeoutError) console.log("took too long"); else throw err;
 * }
 * ```
 */
export function timeout<T>(
  delay: number | null,
  body: TimeoutBody<T>,
  options: TimeoutOptions = {},
): Coroutine<Awaited<T>> {
  if (delay !== null) checkSeconds(delay, "timeout() delay (or null for no deadline)");
  checkBody(body, "timeout");
  const signal = checkSignal(options.signal, "timeout()");
  const loop = getRunningLoop();
  return make(delay === null ? null : loop.time() + delay, body, "timeout()", signal);
}

/**
 * As {@link timeout}, with the deadline in loop time (`getRunningLoop().time()`).
 *
 * @example
 * ```ts
 * const loop = getRunningLoop();
 * await timeoutAt(loop.time() + 10, async () => { await longRunningTask(); });
 * ```
 */
export function timeoutAt<T>(
  when: number | null,
  body: TimeoutBody<T>,
  options: TimeoutOptions = {},
): Coroutine<Awaited<T>> {
  if (when !== null) checkSeconds(when, "timeoutAt() when (or null for no deadline)");
  checkBody(body, "timeoutAt");
  return make(when, body, "timeoutAt()", checkSignal(options.signal, "timeoutAt()"));
}

function make<T>(
  when: number | null,
  body: TimeoutBody<T>,
  what: string,
  signal: AbortSignal | undefined,
): Coroutine<Awaited<T>> {
  const t = Timeout._new(when, what, signal);
  const timeout = (): Promise<Awaited<T>> => t._run(body) as Promise<Awaited<T>>;
  return new Coroutine(timeout);
}

function checkBody(body: unknown, what: string): void {
  if (typeof body !== "function" && !isThenable(body)) {
    throw typeError(`${what}() expects the block as a function, got ${show(body)}: ${what}(1, async (t) => { ... })`);
  }
}

/** Options of the waits of the primitives and queues (`lock.acquire()`, `queue.get()`, ...). */
export interface SignalOptions {
  /**
   * Ends the wait when aborted: the waiter is cancelled and cleaned up as
   * for a cancel of the task, and the wait throws an AbortError (its cause
   * the signal's reason).
   */
  signal?: AbortSignal;
}

/**
 * @internal `coro`, or with `options.signal` a Coroutine that runs it under
 * the signal as a timeout() block runs under its deadline.
 */
export function _abortable<T>(coro: Coroutine<T>, options: SignalOptions | undefined, what: string): Coroutine<T> {
  const signal = checkSignal(options?.signal, what);
  if (signal === undefined) return coro;
  return new Coroutine(() => Timeout._new(null, what, signal)._run(coro) as Promise<T>);
}
