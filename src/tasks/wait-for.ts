/**
 * waitFor(): wait for one awaitable, with a timeout.
 *
 * Port of CPython 3.13 Lib/asyncio/tasks.py `wait_for` and
 * `_cancel_and_wait`. As since 3.12, it is `timeout()` around `await aw`:
 * the waiting task awaits `aw` itself, so its cancel reaches `aw`, and no
 * cancel is lost when it arrives in the same turn as `aw`'s completion
 * (CPython GH-86296). An async function or a Coroutine runs inline in the
 * waiting task, as 3.12+ awaits a coroutine directly; a Task, a Future or a
 * promise is awaited as it is. A timeout of zero or less keeps CPython's
 * special case: the awaitable is made a Task, cancelled before it starts
 * (unless already done), and TimeoutError thrown.
 *
 * @module
 */

import { CancelledError, TimeoutError, checkSeconds, checkSignal } from "../errors.js";
import { type Future, _LabelledFuture } from "../futures.js";
import { _internalCallback } from "../loop/internal-callback.js";
import { getRunningLoop } from "../loop/running-loop.js";
import type { EventLoop } from "../loop/event-loop.js";
import { Timeout, type TimeoutOptions } from "../timeouts.js";
import { Coroutine } from "./coroutine.js";
import { type AwaitableLike, type ResultOf, _checkAwaitable, _toFuture } from "./ensure-future.js";

/**
 * Waits for `aw` for at most `timeout` seconds. On timeout, cancels it, waits
 * until it is done, and throws TimeoutError. Cancelling the waiting task
 * cancels `aw` too; wrap it in `shield()` to keep it running. If `aw`
 * swallows the cancel and returns a value, that value is returned.
 *
 * @param aw - An async function or a Coroutine (run inline, in the waiting
 *   task), or a Task, Future or promise (awaited).
 * @param timeout - Seconds, or null to wait without a limit (as CPython's None).
 * @returns a lazy Coroutine: await it, or pass it to createTask or gather.
 * @param options - `signal`: cancels the wait when aborted, which then throws an AbortError.
 * @throws {TimeoutError} when the time runs out.
 * @throws AbortError (a DOMException) when `options.signal` aborts first.
 * @throws {RuntimeError} when awaited outside a task (as `timeout()`).
 * @example
 * ```ts
 * try { await waitFor(slowOperation, 1); } catch (err) { if (err instanceof TimeoutError) console.log("too slow"); else throw err; }
 * ```
 */
export function waitFor<A extends AwaitableLike<unknown>>(
  aw: A,
  timeout: number | null,
  options: TimeoutOptions = {},
): Coroutine<ResultOf<A>> {
  if (timeout !== null) checkSeconds(timeout, "waitFor() timeout (or null for no limit)");
  _checkAwaitable(aw, "waitFor()");
  const signal = checkSignal(options.signal, "waitFor()");
  return new Coroutine(waitForImpl, [aw, timeout, signal]) as Coroutine<ResultOf<A>>;
}

// A named function: the Coroutine's and the Task's repr show `waitFor()`.
async function waitForImpl(aw: unknown, timeout: number | null, signal: AbortSignal | undefined): Promise<unknown> {
  const loop = getRunningLoop();
  if (timeout !== null && timeout <= 0 && signal === undefined) {
    const fut = _toFuture(aw, loop, "waitFor()");
    if (fut.done()) return fut.result();
    await cancelAndWait(fut, loop);
    try {
      return fut.result();
    } catch (exc) {
      if (exc instanceof CancelledError) throw new TimeoutError("waitFor() timed out after 0 s", { cause: exc });
      throw exc;
    }
  }
  const deadline = timeout === null ? null : loop.time() + timeout;
  return Timeout._new(deadline, "waitFor()", signal)._run(() => awaitInline(aw));
}
Object.defineProperty(waitForImpl, "name", { value: "waitFor" });

/** `await aw` as CPython 3.12+ does: a coroutine (here also an async function) runs in the current task. */
function awaitInline(aw: unknown): unknown {
  return typeof aw === "function" ? (aw as () => unknown)() : aw;
}

function releaseWaiter(waiter: Future<void>): void {
  if (!waiter.done()) waiter.setResult(undefined);
}

/** @internal Cancels `fut` and waits until it is done; a cancel of the waiting task stops only the wait. */
export async function cancelAndWait(fut: Future<unknown>, loop: EventLoop): Promise<void> {
  const waiter = new _LabelledFuture<void>(loop, "waitFor()", [fut]);
  const cb = _internalCallback((): void => releaseWaiter(waiter));
  fut.addDoneCallback(cb);
  try {
    fut.cancel();
    await waiter;
  } finally {
    fut.removeDoneCallback(cb);
  }
}
