/**
 * What counts as an awaitable, and how each becomes a Future.
 *
 * Port of CPython 3.13 Lib/asyncio/tasks.py `ensure_future`. Differs: an
 * async function (not yet called) stands for a coroutine and becomes a Task;
 * a plain promise is already running, so it is wrapped in a Future that
 * follows it, and cancelling that Future cannot stop it (docs/differences.md,
 * "Coroutines start at once").
 *
 * @module
 */

import { show, typeError } from "../errors.js";
import { Future } from "../futures.js";
import type { EventLoop } from "../loop/event-loop.js";
import { getRunningLoop } from "../loop/running-loop.js";
import { Coroutine } from "./coroutine.js";
import { type TaskBody, _newTask } from "./task.js";
import { isThenable } from "../util.js";

/**
 * Anything asyncio-ts can wait for: a Task or Future, a lazy Coroutine, an
 * async function not yet called (run as a Task), or a promise.
 */
export type AwaitableLike<T> = PromiseLike<T> | (() => T | PromiseLike<T>);

/** The result type of an {@link AwaitableLike}. */
export type ResultOf<A> = A extends () => infer R ? Awaited<R> : Awaited<A>;

/**
 * Wraps `aw` in a Future of the running loop: a Future or Task as it is, a
 * Coroutine or async function as a new Task, a promise as a Future that
 * follows it.
 *
 * @throws {TypeError} for anything that cannot be awaited.
 */
export function ensureFuture<A extends AwaitableLike<unknown>>(
  aw: A,
  options: { loop?: EventLoop } = {},
): Future<ResultOf<A>> {
  // As CPython: a Future is returned as it is, and needs no running loop.
  if (aw instanceof Future && options.loop === undefined) return aw as Future<ResultOf<A>>;
  if (aw instanceof Future && aw.getLoop() !== options.loop) {
    throw typeError(
      "The future belongs to a different loop than the one specified as the loop option: pass its own loop (future.getLoop()), or none",
    );
  }
  return _toFuture(aw, options.loop ?? getRunningLoop(), "ensureFuture()") as Future<ResultOf<A>>;
}

/** @internal */
export function _toFuture(
  aw: unknown,
  loop: EventLoop,
  what: string,
  makeTask?: (body: TaskBody<unknown>) => Future<unknown>,
): Future<unknown> {
  if (aw instanceof Future) {
    if (aw.getLoop() !== loop) {
      throw typeError(`${what} got a Future attached to a different loop: create it inside this run()`);
    }
    return aw;
  }
  if (aw instanceof Coroutine || typeof aw === "function") {
    // As CPython's loop.create_task: through the loop's task factory, if set.
    return makeTask === undefined ? _newTask(loop, aw as TaskBody<unknown>, {}) : makeTask(aw as TaskBody<unknown>);
  }
  if (isThenable(aw)) {
    const fut = new Future<unknown>({ loop });
    aw.then(
      (value) => {
        if (!fut.done()) fut.setResult(value);
      },
      (err: unknown) => {
        if (!fut.done()) fut.setException(err);
      },
    );
    return fut;
  }
  throw notAwaitable(aw, what);
}

/** @internal Throws the TypeError of `_toFuture` for anything that cannot be awaited. */
export function _checkAwaitable(aw: unknown, what: string): void {
  if (!(aw instanceof Future || aw instanceof Coroutine || typeof aw === "function" || isThenable(aw))) {
    throw notAwaitable(aw, what);
  }
}

function notAwaitable(aw: unknown, what: string): TypeError {
  const name = what.replace(/\(\)$/, "");
  return typeError(
    `${what} expects an async function, a Task, a Future or a promise, got ${show(aw)}: ` +
      `pass the function itself (${name}(fn)) or the promise it returns (${name}(fn()))`,
  );
}

/**
 * @internal Each distinct awaitable of `aws` as a Future, in order. On a bad
 * one, the Tasks made for those before it are cancelled before they start
 * (an eager one has run its first step already, and is cancelled at its
 * await), so nothing is left running unawaited.
 */
export function _toFutures(
  aws: Iterable<unknown>,
  loop: EventLoop,
  what: string,
  makeTask?: (body: TaskBody<unknown>) => Future<unknown>,
): Map<unknown, Future<unknown>> {
  const map = new Map<unknown, Future<unknown>>();
  try {
    for (const aw of aws) if (!map.has(aw)) map.set(aw, _toFuture(aw, loop, what, makeTask));
  } catch (err) {
    for (const [aw, fut] of map) if (fut !== aw) fut.cancel();
    throw err;
  }
  return map;
}
