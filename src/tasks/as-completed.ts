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

import { TimeoutError, checkSeconds, show, typeError } from "../errors.js";
import { Future } from "../futures.js";
import type { TimerHandle } from "../loop/handles.js";
import { getRunningLoop } from "../loop/running-loop.js";
import { Coroutine } from "./coroutine.js";
import { type AwaitableLike, type ResultOf, _toFutures } from "./ensure-future.js";
import { isThenable } from "./task.js";

/** Options of `asCompleted()`. */
export interface AsCompletedOptions {
  /** Seconds until waiting for the rest throws TimeoutError; null or absent: no limit. */
  timeout?: number | null;
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
  readonly #done: (Future<T> | undefined)[] = [];
  #doneHead = 0;
  // A getter's result is boxed: a Future resolved with a Future would be
  // unwrapped by the promise machinery of await.
  readonly #getters: Future<{ fut: Future<T> | undefined }>[] = [];
  #gettersHead = 0;
  readonly #todo: Set<Future<T>>;
  #remaining: number;
  #timer: TimerHandle | undefined;

  /** @internal */
  constructor(futures: Set<Future<T>>, timeout: number | null) {
    this.#todo = futures;
    this.#remaining = futures.size;
    for (const fut of futures) fut.addDoneCallback(this.#onCompletion);
    if (futures.size > 0 && timeout !== null) {
      const loop = getRunningLoop();
      this.#timer = loop._timer(loop.time() + timeout, () => this.#onTimeout(), undefined);
    }
  }

  readonly #onCompletion = (fut: Future<T>): void => {
    if (!this.#todo.delete(fut)) return; // The timeout came first.
    this.#put(fut);
    if (this.#todo.size === 0) this.#timer?.cancel();
  };

  #onTimeout(): void {
    for (const fut of this.#todo) {
      fut.removeDoneCallback(this.#onCompletion);
      this.#put(undefined); // A marker: waiting for it throws TimeoutError.
    }
    this.#todo.clear();
  }

  #put(fut: Future<T> | undefined): void {
    while (this.#gettersHead < this.#getters.length) {
      const getter = this.#getters[this.#gettersHead]!;
      this.#getters[this.#gettersHead++] = undefined as never;
      if (!getter.done()) {
        getter.setResult({ fut });
        return;
      }
    }
    this.#done.push(fut);
  }

  async #next(): Promise<{ fut: Future<T> }> {
    let fut: Future<T> | undefined;
    if (this.#doneHead < this.#done.length) {
      fut = this.#done[this.#doneHead];
      this.#done[this.#doneHead++] = undefined;
    } else {
      const getter = new Future<{ fut: Future<T> | undefined }>({ loop: getRunningLoop() });
      this.#getters.push(getter);
      fut = (await getter).fut;
    }
    if (fut === undefined) throw new TimeoutError("asCompleted() timed out before every awaitable was done");
    return { fut };
  }

  /** Awaitables of the results, in completion order. */
  *[Symbol.iterator](): Iterator<Coroutine<T>> {
    const n = this.#remaining;
    this.#remaining = 0;
    for (let i = 0; i < n; i++) {
      const waitForOne = async (): Promise<T> => (await this.#next()).fut.result();
      yield new Coroutine(waitForOne);
    }
  }

  /**
   * The Tasks and Futures themselves, in completion order. (Not an async
   * generator: `yield` there would await each Future and give its result.)
   */
  [Symbol.asyncIterator](): AsyncIterator<DoneFuture<T>> {
    return {
      next: async (): Promise<IteratorResult<DoneFuture<T>>> => {
        if (this.#remaining <= 0) return { done: true, value: undefined };
        this.#remaining--;
        return { done: false, value: (await this.#next()).fut };
      },
    };
  }
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
  const loop = getRunningLoop();
  const futures = _toFutures(aws as Iterable<unknown>, loop, "asCompleted()");
  return new AsCompleted(new Set(futures.values()) as Set<Future<ResultOf<T[number]>>>, timeout);
}
