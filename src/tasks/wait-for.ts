/**
 * waitFor(): wait for one awaitable, with a timeout.
 *
 * Port of CPython 3.11 Lib/asyncio/tasks.py `wait_for` and `_cancel_and_wait`:
 * on timeout the awaitable is cancelled, waited for, and TimeoutError thrown.
 *
 * @module
 */

import { CancelledError, TimeoutError, checkSeconds } from "../errors.js";
import { Future } from "../futures.js";
import { _internalCallback } from "../loop/internal-callback.js";
import { getRunningLoop } from "../loop/running-loop.js";
import type { EventLoop } from "../loop/event-loop.js";
import { Coroutine } from "./coroutine.js";
import { type AwaitableLike, type ResultOf, _toFuture } from "./ensure-future.js";

/**
 * Waits for `aw` for at most `timeout` seconds. On timeout, cancels it, waits
 * until it is done, and throws TimeoutError. Cancelling the waiting task
 * cancels `aw` too; wrap it in `shield()` to keep it running.
 *
 * @param timeout - Seconds, or null to wait without a limit (as CPython's None).
 * @returns a lazy Coroutine: await it (or pass it to gather).
 * @throws {TimeoutError} when the time runs out.
 * @example
 * ```ts
 * try { await waitFor(slowOperation, 1); } catch (err) { if (err instanceof TimeoutError) console.log("too slow"); else throw err; }
 * ```
 */
export function waitFor<A extends AwaitableLike<unknown>>(aw: A, timeout: number | null): Coroutine<ResultOf<A>> {
  if (timeout !== null) checkSeconds(timeout, "waitFor() timeout (or null for no limit)");
  const waitFor = (): Promise<ResultOf<A>> => waitForImpl(aw, timeout) as Promise<ResultOf<A>>;
  return new Coroutine(waitFor);
}

async function waitForImpl(aw: unknown, timeout: number | null): Promise<unknown> {
  const loop = getRunningLoop();
  if (timeout === null) {
    const fut = aw instanceof Future ? aw : _toFuture(aw, loop, "waitFor()");
    return await fut;
  }
  if (timeout <= 0) {
    const fut = _toFuture(aw, loop, "waitFor()");
    if (fut.done()) return fut.result();
    await cancelAndWait(fut, loop);
    return resultOrTimeout(fut);
  }

  const waiter = new Future<void>({ loop });
  const timeoutHandle = loop.callLater(timeout, releaseWaiter, waiter);
  const cb = _internalCallback((): void => releaseWaiter(waiter));
  const fut = _toFuture(aw, loop, "waitFor()");
  fut.addDoneCallback(cb);
  try {
    try {
      await waiter;
    } catch (exc) {
      if (exc instanceof CancelledError) {
        if (fut.done()) return fut.result();
        fut.removeDoneCallback(cb);
        await cancelAndWait(fut, loop);
      }
      throw exc;
    }
    if (fut.done()) return fut.result();
    fut.removeDoneCallback(cb);
    await cancelAndWait(fut, loop);
    return resultOrTimeout(fut);
  } finally {
    timeoutHandle.cancel();
  }
}

// The result of a Future cancelled for its timeout: its cancellation
// becomes TimeoutError; a result or another error (the task ignored or
// failed the cancel) passes as it is.
function resultOrTimeout(fut: Future<unknown>): unknown {
  try {
    return fut.result();
  } catch (exc) {
    if (exc instanceof CancelledError) throw new TimeoutError("", { cause: exc });
    throw exc;
  }
}

function releaseWaiter(waiter: Future<void>): void {
  if (!waiter.done()) waiter.setResult(undefined);
}

/** @internal Cancels `fut` and waits until it is done. */
export async function cancelAndWait(fut: Future<unknown>, loop: EventLoop): Promise<void> {
  const waiter = new Future<void>({ loop });
  const cb = _internalCallback((): void => releaseWaiter(waiter));
  fut.addDoneCallback(cb);
  try {
    fut.cancel();
    await waiter;
  } finally {
    fut.removeDoneCallback(cb);
  }
}
