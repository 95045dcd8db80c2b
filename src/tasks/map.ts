/**
 * map(): run an async function over many items as Tasks, at most `limit` at
 * once, with the results in input order.
 *
 * asyncio-ts's own, in the spirit of p-map, with asyncio's rules: each call
 * is a Task; the first failure cancels the running calls and starts no more
 * (unless `returnExceptions`), and cancelling the awaiting task does the
 * same; map() returns or throws only once every Task it started is done.
 * CPython's nearest is a Semaphore around gather(), which creates every task
 * at once.
 *
 * @module
 */

import { CancelledError, show, typeError } from "../errors.js";
import { _abortable } from "../timeouts.js";
import { type Future, _LabelledFuture } from "../futures.js";
import { getRunningLoop } from "../loop/running-loop.js";
import { Coroutine } from "./coroutine.js";
import { type Task, _newTask } from "./task.js";
import { _checkLimit } from "./limiter.js";

/** Options of {@link map}. */
export interface MapOptions {
  /** The most calls running at once: a whole number of at least 1. Default: no limit. */
  limit?: number;
  /**
   * Failures become results instead of stopping the map, as gather()'s
   * option; the other calls go on. Default false.
   */
  returnExceptions?: boolean;
  /**
   * Stops the map when aborted, as a cancel of the awaiting task does; map()
   * then throws an AbortError (its cause the signal's reason).
   */
  signal?: AbortSignal;
}

/**
 * Calls `fn(item, index)` for every item, each call a Task, with at most
 * `limit` running at once; resolves to the results in the order of the
 * items. The items may come from an async iterable (read one at a time, as
 * room frees up).
 *
 * When a call fails, map() cancels the calls still running, starts no more,
 * waits for them, and throws that first error. Cancelling the awaiting task
 * does the same and throws CancelledError; so does aborting `signal`, which
 * then throws an AbortError.
 *
 * @returns a lazy Coroutine of the results: await it.
 * @throws {TypeError} when `items` is not iterable or `fn` not a function.
 * @throws {RangeError} for a `limit` that is not a whole number of at least 1.
 * @example
 * ```ts
 * const pages = await map(urls, async (url) => (await fetch(url)).text(), { limit: 10 });
 * ```
 */
export function map<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  fn: (item: T, index: number) => R | PromiseLike<R>,
  options: MapOptions & { returnExceptions: true },
): Coroutine<(Awaited<R> | Error)[]>;
export function map<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  fn: (item: T, index: number) => R | PromiseLike<R>,
  options?: MapOptions,
): Coroutine<Awaited<R>[]>;
export function map<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  fn: (item: T, index: number) => R | PromiseLike<R>,
  options: MapOptions = {},
): Coroutine<unknown[]> {
  const iterable = items as Partial<Iterable<T>> | null | undefined;
  if (!isAsyncIterable(items) && typeof iterable?.[Symbol.iterator] !== "function") {
    throw typeError(`map() expects an iterable or async iterable of items first, got ${show(items)}`);
  }
  if (typeof fn !== "function") {
    throw typeError(`map() expects the function to call for each item second, got ${show(fn)}`);
  }
  const limit = _checkLimit(options.limit, "map()") ?? Infinity;
  for (const key of Object.keys(options)) {
    if (key !== "limit" && key !== "returnExceptions" && key !== "signal") {
      throw typeError(`map() got an unknown option ${show(key)}: the options are limit, returnExceptions and signal`);
    }
  }
  const returnExceptions = options.returnExceptions === true;
  // The signal cancels the map as a cancel of the awaiting task would.
  return _abortable(new Coroutine(() => runMap(items, fn, limit, returnExceptions)), options, "map()");
}

async function runMap<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  fn: (item: T, index: number) => R | PromiseLike<R>,
  limit: number,
  returnExceptions: boolean,
): Promise<unknown[]> {
  const loop = getRunningLoop();
  const results: unknown[] = [];
  const running = new Set<Task<unknown>>();
  let failure: { error: unknown } | undefined;
  let cancelled: CancelledError | undefined;
  // The awaiting task waits on it, for room (async items) or for the end.
  let wake: Future<void> | undefined;
  const isAsync = isAsyncIterable(items);
  const iterator = isAsync ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  let exhausted = false;
  let index = 0;

  const stopped = (): boolean => failure !== undefined || cancelled !== undefined;
  const stop = (why: { error: unknown }): void => {
    failure = why;
    for (const t of running) t.cancel();
  };

  const start = (item: T): void => {
    const i = index++;
    results.length = index;
    const task = _newTask(loop, () => fn(item, i), {});
    const done = (t: Future<unknown>): void => {
      running.delete(task);
      if (t.cancelled()) {
        // A call cancelled by itself, or by map() stopping: a failure unless map() stops anyway.
        if (!stopped()) {
          if (returnExceptions) results[i] = t._makeCancelledError();
          else stop({ error: t._makeCancelledError() });
        }
      } else if (t._failed()) {
        if (returnExceptions) results[i] = t.exception();
        else if (!stopped()) stop({ error: t.exception() });
        else t.exception(); // Retrieved: the first failure is the one thrown.
      } else {
        results[i] = t.result();
      }
      // Synchronous items: the next call starts from here, with no turn of
      // the awaiting task; it wakes at the end. Async items: it reads the next.
      if (!isAsync) fill();
      if (wake !== undefined && !wake.done() && (isAsync || running.size === 0)) wake.setResult();
    };
    if (task.done()) {
      done(task); // Finished eagerly.
    } else {
      running.add(task);
      task.addDoneCallback(done);
    }
  };

  // Starts calls of synchronous items while there is room. Not re-entered:
  // a call that finishes inside createTask (eager) frees its room for the loop here.
  let filling = false;
  const fill = (): void => {
    if (filling) return;
    filling = true;
    try {
      while (running.size < limit && !exhausted && !stopped()) {
        const step = (iterator as Iterator<T>).next();
        if (step.done === true) exhausted = true;
        else start(step.value);
      }
    } catch (err) {
      exhausted = true; // The items' iterator threw: stop the calls, and throw that.
      if (!stopped()) stop({ error: err });
    } finally {
      filling = false;
    }
  };

  // Waits until woken; a cancel of the awaiting task stops the map.
  const waitForACall = async (): Promise<void> => {
    wake = new _LabelledFuture<void>(loop, "map()", running);
    try {
      await wake;
    } catch (err) {
      if (!(err instanceof CancelledError)) throw err;
      if (cancelled === undefined) {
        cancelled = err;
        for (const t of running) t.cancel();
      }
    } finally {
      wake = undefined;
    }
  };

  if (isAsync) {
    // The next item is read only once there is room for its call, so an
    // async iterable is read as the calls progress.
    try {
      while (!stopped()) {
        while (running.size >= limit && !stopped()) await waitForACall();
        if (stopped()) break;
        const step = await (iterator as AsyncIterator<T>).next();
        if (step.done === true) {
          exhausted = true;
          break;
        }
        start(step.value);
      }
    } catch (err) {
      // The items' iterator threw, or the awaiting task was cancelled while
      // it was read: stop the calls, and throw that.
      exhausted = true;
      if (!stopped()) {
        if (err instanceof CancelledError) cancelled = err;
        else failure = { error: err };
        for (const t of running) t.cancel();
      }
    }
  } else {
    fill();
  }
  while (running.size > 0) await waitForACall();
  // Stopped early: let the iterator clean up (a generator's finally blocks).
  if (!exhausted) await iterator.return?.();
  if (cancelled !== undefined) throw cancelled;
  if (failure !== undefined) throw failure.error;
  return results;
}

function isAsyncIterable<T>(items: unknown): items is AsyncIterable<T> {
  return typeof (items as Partial<AsyncIterable<T>> | null | undefined)?.[Symbol.asyncIterator] === "function";
}
