/**
 * gather(): run awaitables concurrently; results in argument order.
 *
 * Port of CPython 3.13 Lib/asyncio/tasks.py `gather` and `_GatheringFuture`.
 * As since 3.12, children already done are counted at once, so a gather of
 * done children is done when it returns. Differs: a plain promise is
 * accepted but already running, so cancelling gather cannot stop it
 * (docs/differences.md). Options come last, as an object:
 * `gather(a, b, { returnExceptions: true })`.
 *
 * @module
 */

import { CancelledError, show, typeError } from "../errors.js";
import { Future } from "../futures.js";
import { _internalCallback } from "../loop/internal-callback.js";
import type { EventLoop } from "../loop/event-loop.js";
import { getRunningLoop } from "../loop/running-loop.js";
import { Coroutine } from "./coroutine.js";
import { type AwaitableLike, type ResultOf, _toFutures } from "./ensure-future.js";
import { _Limiter, _checkLimit } from "./limiter.js";
import { isThenable } from "../util.js";

/** Options of `gather()`, passed last. */
export interface GatherOptions {
  /** Exceptions become results instead of rejecting gather (default false). */
  returnExceptions?: boolean;
  /**
   * The most async functions and Coroutines running at once: they become
   * Tasks in argument order, the next as one ends. Tasks, Futures and
   * promises given are running already and do not count. As without a
   * limit, a failure does not stop the others: the calls not started yet
   * still start. Cancelling gather cancels the running ones, and the rest
   * never start. Default: no limit.
   */
  limit?: number;
}

/** The results of awaitables `T`, as a tuple. */
export type GatherResults<T extends readonly unknown[]> = { -readonly [K in keyof T]: ResultOf<T[K]> };
/** With `returnExceptions: true`, each result may be the error instead. */
export type GatherResultsOrErrors<T extends readonly unknown[]> = {
  -readonly [K in keyof T]: ResultOf<T[K]> | Error;
};

/**
 * The Future `gather()` returns. `cancel()` cancels every child not done yet;
 * gather then rejects with CancelledError.
 */
export class GatheringFuture<T> extends Future<T> {
  readonly #children: Future<unknown>[];
  /** @internal */ _cancelRequested = false;

  /** gather() makes it. */
  protected constructor(children: Future<unknown>[], loop: EventLoop) {
    super({ loop });
    this.#children = children;
  }
  /** @internal */
  override _describe(): string {
    return "gather()";
  }

  /** @internal */
  override _awaitedParts(): Iterable<Future<unknown>> {
    return this.#children;
  }

  /** @internal */
  static _new(children: Future<unknown>[], loop: EventLoop): GatheringFuture<unknown[]> {
    return new GatheringFuture<unknown[]>(children, loop);
  }

  /** Cancels the children not done yet; false if gather is done or no child could be cancelled. */
  override cancel(msg?: string): boolean {
    if (this.done()) return false;
    let cancelled = false;
    for (const child of this.#children) if (child.cancel(msg)) cancelled = true;
    if (cancelled) this._cancelRequested = true;
    return cancelled;
  }
}

/**
 * Runs awaitables concurrently and resolves to their results in argument
 * order. Async functions and Coroutines become Tasks; promises are accepted
 * but already running.
 *
 * - The first exception rejects gather at once; the other awaitables are not
 *   cancelled and keep running. With `{ returnExceptions: true }` exceptions
 *   are results instead.
 * - Cancelling gather (or the task awaiting it) cancels every child not done.
 * - A child cancelled on its own counts as raising CancelledError; gather
 *   itself is not cancelled.
 *
 * @example
 * ```ts
 * const [a, b] = await gather(fetchA, fetchB); // [A, B]
 * const all = await gather(fetchA, fetchB, { returnExceptions: true }); // [A | Error, B | Error]
 * ```
 */
export function gather<const T extends readonly AwaitableLike<unknown>[]>(...aws: T): GatheringFuture<GatherResults<T>>;
export function gather<const T extends readonly AwaitableLike<unknown>[]>(
  ...args: [...aws: T, options: GatherOptions & { returnExceptions: true }]
): GatheringFuture<GatherResultsOrErrors<T>>;
export function gather<const T extends readonly AwaitableLike<unknown>[]>(
  ...args: [...aws: T, options: GatherOptions]
): GatheringFuture<GatherResults<T> | GatherResultsOrErrors<T>>;
export function gather(...args: unknown[]): GatheringFuture<unknown[]> {
  let returnExceptions = false;
  let limit: number | undefined;
  if (args.length > 0 && isOptions(args[args.length - 1])) {
    const options = args.pop() as Record<string, unknown>;
    for (const key of Object.keys(options)) {
      if (key !== "returnExceptions" && key !== "limit") {
        throw typeError(`gather() got an unknown option ${show(key)}: the options are returnExceptions and limit`);
      }
    }
    returnExceptions = Boolean(options.returnExceptions);
    limit = _checkLimit(options.limit, "gather()");
  }
  // As CPython: the loop of the first Future given, else the running loop.
  const first = args.find((arg): arg is Future<unknown> => arg instanceof Future);
  const loop = first !== undefined ? first.getLoop() : getRunningLoop();
  if (args.length === 0) {
    const outer = GatheringFuture._new([], loop);
    outer.setResult([]);
    return outer;
  }

  const makeTask = limit === undefined ? undefined : new _Limiter(loop, limit).add;
  const argToFut = _toFutures(args, loop, "gather()", makeTask);
  const children = args.map((arg) => argToFut.get(arg)!);
  const nfuts = argToFut.size;
  let nfinished = 0;
  let outer: GatheringFuture<unknown[]> | undefined;

  const onChildDone = (fut: Future<unknown>): void => {
    nfinished++;
    if (outer === undefined || outer.done()) {
      if (!fut.cancelled()) fut.exception(); // Mark the exception retrieved.
      return;
    }
    if (!returnExceptions) {
      if (fut.cancelled()) {
        outer.setException(fut._makeCancelledError());
        return;
      }
      if (fut._failed()) {
        outer.setException(fut.exception());
        return;
      }
    }
    if (nfinished === nfuts) {
      const results = new Array<unknown>(children.length);
      for (let i = 0; i < children.length; i++) {
        const child = children[i]!;
        if (child.cancelled()) {
          results[i] = new CancelledError(child._cancelMessage ?? "");
        } else {
          results[i] = child._failed() ? child.exception() : child.result();
        }
      }
      // As CPython: the CancelledError of the last child in argument order
      // (its loop variable), '' for a child that was not cancelled.
      if (outer._cancelRequested) outer.setException(children[children.length - 1]!._makeCancelledError());
      else outer.setResult(results);
    }
  };

  _internalCallback(onChildDone);
  const doneFuts: Future<unknown>[] = [];
  for (const fut of argToFut.values()) {
    if (fut.done()) doneFuts.push(fut);
    else fut.addDoneCallback(onChildDone);
  }
  outer = GatheringFuture._new(children, loop);
  // As CPython 3.12+: children done already are counted now, so when all
  // are done, gather is done before it returns.
  for (const fut of doneFuts) onChildDone(fut);
  return outer;
}

function isOptions(value: unknown): boolean {
  return (
    value !== null &&
    typeof value === "object" &&
    !(value instanceof Future) &&
    !(value instanceof Coroutine) &&
    !isThenable(value)
  );
}
