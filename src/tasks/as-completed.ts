/**
 * asCompleted(): results in the order the awaitables complete.
 *
 * Port of CPython 3.13 Lib/asyncio/tasks.py `as_completed` and
 * `_AsCompletedIterator`: iterated with `for … of` it yields awaitables that
 * resolve to the next result (3.11 and earlier); with `for await … of` it
 * yields the original Tasks and Futures in completion order (3.13). Each
 * completion and each wait costs O(1); no Promise.race.
 *
 * @module
 */

import { TimeoutError, checkSeconds, seconds, show, typeError } from "../errors.js";
import { Future, _LabelledFuture } from "../futures.js";
import { _internalCallback } from "../loop/internal-callback.js";
import type { TimerHandle } from "../loop/handles.js";
import type { EventLoop } from "../loop/event-loop.js";
import { _getRunningLoop, getRunningLoop } from "../loop/running-loop.js";
import { Coroutine } from "./coroutine.js";
import { type AwaitableLike, type ResultOf, _toFutures } from "./ensure-future.js";
import { _Limiter, _checkLimit } from "./limiter.js";
import { isThenable } from "../util.js";

// What #take() gives when no completed Future is waiting to be taken.
const NONE: unique symbol = Symbol("none");

/** Options of `asCompleted()`. */
export interface AsCompletedOptions {
  /** Seconds until waiting for the rest throws TimeoutError; null or absent: no limit. */
  timeout?: number | null;
  /**
   * The most async functions and Coroutines running at once: they become
   * Tasks in order, the next as one ends. Until its turn, such an argument
   * is a pending Future (what `for await` gives is then a Future, not a
   * Task). Tasks, Futures and promises given are running already and do not
   * count. Default: no limit.
   */
  limit?: number;
}

/**
 * A Task or Future that is done, as `for await … of asCompleted()` yields it:
 * read it with `result()` or `exception()`. (Typed without `then`, because
 * TypeScript would otherwise type the loop variable as the awaited result.)
 */
export type DoneFuture<T> = Omit<Future<T>, "then" | "catch" | "finally">;

/**
 * What `asCompleted()` returns: iterate it with `for … of` to get awaitables
 * of the next result, or with `for await … of` to get the finished Tasks and
 * Futures themselves.
 */
export class AsCompleted<T> implements Iterable<Coroutine<T>>, AsyncIterable<DoneFuture<T>> {
  // Completed Futures not yet taken (undefined: a timeout marker), and the
  // getters waiting for the next one, both FIFO. A getter either takes the
  // outcome of the Future (for `await next`) or the Future itself, boxed: a
  // Future resolved with a Future would be unwrapped by await.
  readonly #done: (Future<T> | undefined)[] = [];
  #doneHead = 0;
  readonly #getters: (Future<T> | Future<{ fut: Future<T> | undefined }>)[] = [];
  readonly #boxed: boolean[] = [];
  #gettersHead = 0;
  // CPython's `_todo` as a count of the Futures whose completion is still to
  // come (each is distinct), and every Future until the last completes: with
  // a timeout, to unhook the pending ones from when it fires; always, for
  // the task tree and the trace, which show the pending ones as what a
  // waiting task waits for. (CPython keeps a set of the pending ones, but
  // removing each from a Set as it completes costs a tenth of the time a
  // Future takes here.)
  #todo: number;
  #futures: ReadonlyMap<unknown, Future<T>> | undefined;
  readonly #pending: Iterable<Future<unknown>> = { [Symbol.iterator]: () => this.#stillPending() };
  readonly #loop: EventLoop;
  #remaining: number;
  #timer: TimerHandle | undefined;
  readonly #timeout: number;

  /** @internal `futures`: each awaitable's Future, each Future once. */
  constructor(futures: ReadonlyMap<unknown, Future<T>>, timeout: number | null, loop: EventLoop) {
    const size = futures.size;
    this.#todo = size;
    this.#loop = loop;
    this.#remaining = size;
    this.#timeout = timeout ?? Infinity;
    const onCompletion = _internalCallback(this.#onCompletion);
    for (const fut of futures.values()) fut.addDoneCallback(onCompletion);
    this.#futures = futures;
    if (size > 0 && timeout !== null) {
      this.#timer = loop._timer(loop.time() + timeout, () => this.#onTimeout(), undefined);
    }
  }

  readonly #onCompletion = (fut: Future<T>): void => {
    if (this.#todo === 0) return; // The timeout came first.
    this.#todo--;
    this.#put(fut);
    if (this.#todo === 0) {
      this.#timer?.cancel();
      this.#futures = undefined;
    }
  };

  #onTimeout(): void {
    // A done Future keeps its callback, already scheduled: #onCompletion
    // then finds no completion to come, as CPython's finds `_todo` empty.
    for (const fut of this.#futures!.values()) fut.removeDoneCallback(this.#onCompletion);
    this.#futures = undefined;
    for (; this.#todo > 0; this.#todo--) this.#put(undefined); // A marker: waiting for it throws TimeoutError.
  }

  #put(fut: Future<T> | undefined): void {
    while (this.#gettersHead < this.#getters.length) {
      const i = this.#gettersHead++;
      const getter = this.#getters[i]!;
      const boxed = this.#boxed[i]!;
      this.#getters[i] = undefined as never;
      if (getter.done()) continue; // Its waiter was cancelled.
      if (boxed) (getter as Future<{ fut: Future<T> | undefined }>).setResult({ fut });
      else copyOutcome(fut, getter as Future<T>, this.#timeout);
      return;
    }
    this.#done.push(fut);
  }

  // A Future that waits for the next result; in the task tree, the waiting
  // task waits for the Futures still running.
  #getter<R>(): Future<R> {
    return new _LabelledFuture<R>(this.#loop, "asCompleted()", this.#pending);
  }

  *#stillPending(): Generator<Future<unknown>> {
    if (this.#futures !== undefined) for (const fut of this.#futures.values()) if (!fut.done()) yield fut;
  }

  // The next completed Future, undefined for a timeout marker, or NONE.
  #take(): Future<T> | undefined | typeof NONE {
    if (this.#doneHead >= this.#done.length) return NONE;
    const fut = this.#done[this.#doneHead];
    this.#done[this.#doneHead++] = undefined;
    return fut;
  }

  /** @internal A Future of the next result, in completion order. */
  _nextResult(): Future<T> {
    const taken = this.#take();
    if (taken !== NONE) {
      if (taken !== undefined) return taken;
      const timedOut = new Future<T>({ loop: this.#loop });
      copyOutcome(undefined, timedOut, this.#timeout);
      return timedOut;
    }
    const getter = this.#getter<T>();
    this.#getters.push(getter);
    this.#boxed.push(false);
    return getter;
  }

  // The next step of `for await … of`: the next done Future, as soon as one
  // is taken, without an async function (whose return would adopt the Future's
  // result). Waiting, the getter is awaited from the task, which it suspends.
  #nextDone(): Promise<IteratorResult<DoneFuture<T>>> {
    const taken = this.#take();
    if (taken === NONE) {
      const getter = this.#getter<{ fut: Future<T> | undefined }>();
      this.#getters.push(getter);
      this.#boxed.push(true);
      return getter.then(({ fut }) => this.#doneResult(fut));
    }
    try {
      return Promise.resolve(this.#doneResult(taken));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  #doneResult(fut: Future<T> | undefined): IteratorResult<DoneFuture<T>> {
    if (fut === undefined) throw timeoutError(this.#timeout);
    return { done: false, value: fut };
  }

  /**
   * Awaitables of the results, in completion order. The count of results
   * left is shared by every iteration, sync or async, as in CPython 3.13: a
   * loop left with `break` leaves the rest for the next loop.
   */
  [Symbol.iterator](): Iterator<Coroutine<T>> {
    return {
      next: (): IteratorResult<Coroutine<T>> => {
        if (this.#remaining <= 0) return { done: true, value: undefined };
        this.#remaining--;
        return { done: false, value: new NextResult(this) };
      },
    };
  }

  /**
   * The Tasks and Futures themselves, in completion order. (Not an async
   * generator: `yield` there would await each Future and give its result.)
   */
  [Symbol.asyncIterator](): AsyncIterator<DoneFuture<T>> {
    return {
      next: (): Promise<IteratorResult<DoneFuture<T>>> => {
        if (this.#remaining <= 0) return Promise.resolve({ done: true, value: undefined });
        this.#remaining--;
        return this.#nextDone();
      },
    };
  }
}

/**
 * One awaitable of `for (const next of asCompleted(aws))`: CPython's
 * `_wait_for_one()` coroutine. Awaited, it takes the next result without an
 * async function of its own; run as a Task, it does the same inside it.
 */
class NextResult<T> extends Coroutine<T> {
  readonly #source: AsCompleted<T>;
  #taken: Future<T> | undefined;

  constructor(source: AsCompleted<T>) {
    super(waitForOne, [source]);
    this.#source = source;
  }

  override then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    let taken = this.#taken;
    if (taken === undefined) {
      try {
        this._claim(); // Started: a Task cannot run it again.
      } catch (err) {
        return Promise.reject(err).then(onFulfilled, onRejected);
      }
      this.#taken = taken = this.#source._nextResult();
      // Usually the next Future is done already: its result is handed over
      // now, as Future.then does for a done Future, without an awaiter. A
      // failure, a cancellation, or a loop not running goes the long way.
      if (
        typeof onFulfilled === "function" &&
        taken.done() &&
        !taken.cancelled() &&
        _getRunningLoop() === taken.getLoop()
      ) {
        let value: T;
        try {
          value = taken.result();
        } catch {
          return taken.then(onFulfilled, onRejected);
        }
        let settled: R1 | PromiseLike<R1>;
        try {
          settled = onFulfilled(value);
        } catch (err) {
          return Promise.reject(err);
        }
        // A new Promise, as then() gives, also for a Promise the callback returned.
        if (settled instanceof Promise) return new Promise((resolve) => resolve(settled));
        return Promise.resolve(settled);
      }
    }
    return taken.then(onFulfilled, onRejected);
  }
}

function waitForOne<T>(source: AsCompleted<T>): Future<T> {
  return source._nextResult();
}

function timeoutError(timeout: number): TimeoutError {
  return new TimeoutError(
    `asCompleted() timed out after ${seconds(Math.max(0, timeout))} s, before every awaitable was done`,
  );
}

// Completes `getter` as `fut` is (a result, an exception, cancelled), or with
// TimeoutError (after `timeout` seconds) for the timeout marker.
function copyOutcome<T>(fut: Future<T> | undefined, getter: Future<T>, timeout: number): void {
  if (fut === undefined) getter.setException(timeoutError(timeout));
  // As CPython's `f.result()`: a Task's own CancelledError comes out once.
  else if (fut.cancelled()) getter.setException(fut._makeCancelledError());
  else if (fut._failed()) getter.setException(fut.exception());
  else getter.setResult(fut.result());
}

/**
 * Runs awaitables concurrently and gives their results in completion order.
 * The same awaitable given twice counts once.
 *
 * @throws {TimeoutError} from the awaitables still to come, once `timeout` passes.
 * @example
 * ```ts
 * for (const next of asCompleted([a, b, c])) console.log(await next); // fastest first
 * for await (const task of asCompleted([a, b, c])) console.log(task.result());
 * ```
 */
export function asCompleted<const T extends readonly AwaitableLike<unknown>[]>(
  aws: T | Iterable<T[number]>,
  options: AsCompletedOptions = {},
): AsCompleted<ResultOf<T[number]>> {
  if (
    aws === null ||
    typeof aws !== "object" ||
    aws instanceof Future ||
    aws instanceof Coroutine ||
    isThenable(aws) ||
    typeof (aws as Iterable<unknown>)[Symbol.iterator] !== "function"
  ) {
    throw typeError(
      `asCompleted() expects an iterable of awaitables, got ${show(aws)}: put them in an array, asCompleted([a, b])`,
    );
  }
  const timeout = options.timeout ?? null;
  if (timeout !== null) checkSeconds(timeout, "asCompleted() timeout");
  const limit = _checkLimit(options.limit, "asCompleted()");
  const loop = getRunningLoop();
  const makeTask = limit === undefined ? undefined : new _Limiter(loop, limit).add;
  const futures = _toFutures(aws as Iterable<unknown>, loop, "asCompleted()", makeTask);
  return new AsCompleted(futures as Map<unknown, Future<ResultOf<T[number]>>>, timeout, loop);
}
