/**
 * shield(): protect an awaitable from cancellation.
 *
 * Port of CPython 3.13 Lib/asyncio/tasks.py `shield`.
 *
 * @module
 */

import { type Future, _LabelledFuture } from "../futures.js";
import { _internalCallback } from "../loop/internal-callback.js";
import { getRunningLoop } from "../loop/running-loop.js";
import { type AwaitableLike, type ResultOf, _toFuture } from "./ensure-future.js";

/**
 * Waits for `aw` without letting a cancellation reach it: cancelling the
 * task that awaits `shield(aw)` throws CancelledError there, while `aw` keeps
 * running. If `aw` itself is cancelled, so is the shield.
 *
 * @example
 * ```ts
 * const result = await shield(saveToDatabase); // save finishes even if we are cancelled
 * ```
 */
export function shield<A extends AwaitableLike<unknown>>(aw: A): Future<ResultOf<A>> {
  const inner = _toFuture(aw, getRunningLoop(), "shield()") as Future<ResultOf<A>>;
  if (inner.done()) return inner;
  const outer = new _LabelledFuture<ResultOf<A>>(inner.getLoop(), "shield()", [inner]);
  const onInnerDone = (inner: Future<ResultOf<A>>): void => {
    if (outer.cancelled()) {
      if (!inner.cancelled()) inner.exception(); // Mark it retrieved.
      return;
    }
    if (inner.cancelled()) {
      outer.cancel();
    } else if (inner._failed()) {
      outer.setException(inner.exception());
    } else {
      outer.setResult(inner.result());
    }
  };
  const onOuterDone = (): void => {
    if (!inner.done()) inner.removeDoneCallback(onInnerDone);
  };
  inner.addDoneCallback(_internalCallback(onInnerDone));
  outer.addDoneCallback(_internalCallback(onOuterDone));
  return outer;
}
