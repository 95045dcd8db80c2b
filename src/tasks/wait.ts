/**
 * wait(): wait for Tasks and Futures until all, the first, or the first
 * failing one is done, or a timeout passes; returns [done, pending].
 *
 * Port of CPython 3.13 Lib/asyncio/tasks.py `wait` and `_wait`. Differs: the
 * result is a `[done, pending]` array of Sets, and `returnWhen` is one of the
 * exported constants.
 *
 * @module
 */

import { checkSeconds, rangeError, show, typeError } from "../errors.js";
import { Future, _LabelledFuture } from "../futures.js";
import { _internalCallback } from "../loop/internal-callback.js";
import { getRunningLoop } from "../loop/running-loop.js";
import { Coroutine } from "./coroutine.js";

/** wait() returns when any one is done. */
export const FIRST_COMPLETED = "FIRST_COMPLETED";
/** wait() returns when any one raises, or all are done. */
export const FIRST_EXCEPTION = "FIRST_EXCEPTION";
/** wait() returns when all are done (the default). */
export const ALL_COMPLETED = "ALL_COMPLETED";

/** Options of `wait()`. */
export interface WaitOptions {
  /** Seconds; on timeout, wait() returns (it does not throw). Null: no limit. */
  timeout?: number | null;
  /** When to return; default ALL_COMPLETED. */
  returnWhen?: typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;
}

/**
 * Waits for the Tasks and Futures in `fs`; resolves to `[done, pending]`.
 * Never throws TimeoutError: what is not done by then is in `pending`. The
 * Sets hold what was passed, typed as it was: Tasks stay Tasks.
 *
 * @example
 * ```ts
 * const [done, pending] = await wait([t1, t2], { returnWhen: FIRST_COMPLETED });
 * ```
 */
export function wait<F extends Future<unknown>>(
  fs: Iterable<F>,
  options: WaitOptions = {},
): Coroutine<[Set<F>, Set<F>]> {
  if (
    fs === null ||
    typeof fs !== "object" ||
    fs instanceof Future ||
    fs instanceof Coroutine ||
    typeof (fs as Iterable<unknown>)[Symbol.iterator] !== "function"
  ) {
    throw typeError(`wait() expects an iterable of Tasks and Futures, got ${show(fs)}: put them in an array`);
  }
  const set = new Set(fs);
  if (set.size === 0) throw rangeError("Set of Tasks/Futures is empty: wait() needs at least one");
  for (const f of set) {
    if (!(f instanceof Future)) {
      throw typeError(`wait() takes Tasks and Futures, got ${show(f)}: wrap functions with createTask(fn) first`);
    }
  }
  const returnWhen = options.returnWhen ?? ALL_COMPLETED;
  if (returnWhen !== FIRST_COMPLETED && returnWhen !== FIRST_EXCEPTION && returnWhen !== ALL_COMPLETED) {
    throw rangeError(
      `Invalid returnWhen value: ${show(returnWhen)}: use FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED`,
    );
  }
  const timeout = options.timeout ?? null;
  if (timeout !== null) checkSeconds(timeout, "wait() timeout");
  const wait = async (): Promise<[Set<F>, Set<F>]> => {
    const loop = getRunningLoop();
    const waiter = new _LabelledFuture<void>(loop, "wait()", set);
    const release = (): void => {
      if (!waiter.done()) waiter.setResult(undefined);
    };
    const timeoutHandle = timeout === null ? undefined : loop.callLater(timeout, release);
    let counter = set.size;
    const onCompletion = (f: Future<unknown>): void => {
      counter--;
      // As CPython's `f.exception() is not None`, which also marks it retrieved.
      const failed = returnWhen === FIRST_EXCEPTION && !f.cancelled() && f._failed();
      if (failed) f.exception();
      if (counter <= 0 || returnWhen === FIRST_COMPLETED || failed) {
        timeoutHandle?.cancel();
        release();
      }
    };
    _internalCallback(onCompletion);
    for (const f of set) f.addDoneCallback(onCompletion);
    try {
      await waiter;
    } finally {
      timeoutHandle?.cancel();
      for (const f of set) f.removeDoneCallback(onCompletion);
    }
    const done = new Set<F>();
    const pending = new Set<F>();
    for (const f of set) (f.done() ? done : pending).add(f);
    return [done, pending];
  };
  return new Coroutine(wait);
}
