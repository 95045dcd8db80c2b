/**
 * Coroutine: a call of an async function that has not started yet.
 *
 * asyncio-ts's answer to a JavaScript fact: calling an async function starts
 * it at once, so `a()` cannot become a separately cancellable Task later
 * (docs/differences.md, "Coroutines start at once"). `coroutine(a)` returns a
 * function whose calls make lazy Coroutine objects, as calling a Python
 * `async def` does: awaiting one runs it in the current task; passing one to
 * `run`, `createTask` or `gather` runs it as a Task of its own.
 *
 * @module
 */

import { RuntimeError, show, typeError } from "../errors.js";
import { _getRunningLoop } from "../loop/running-loop.js";
import { _callerSite, _siteLine } from "../debug/origin.js";

let registry: FinalizationRegistry<{ name: string; source: string }> | undefined;

/**
 * Debug mode's "coroutine ... was never awaited" (CPython's RuntimeWarning,
 * with the creation site of its debug mode): a Coroutine made in debug mode
 * and collected before it ran, or was closed, warns.
 */
function neverAwaited(): FinalizationRegistry<{ name: string; source: string }> {
  return (registry ??= new FinalizationRegistry(({ name, source }) => {
    process.emitWarning(`coroutine '${name}' was never awaited; it was created at ${_siteLine(source)}`, {
      type: "RuntimeWarning",
      code: "ASYNCIO_COROUTINE_NEVER_AWAITED",
    });
  }));
}

/**
 * A call that has not started: `fn(...args)`, run once, when awaited or when
 * a Task runs it.
 */
export class Coroutine<T = unknown> implements Promise<T> {
  readonly #fn: (...args: any[]) => T | PromiseLike<T>;
  readonly #args: unknown[];
  #started = false;
  /** @internal Where it was created, in debug mode. */ readonly _source: string | undefined;

  constructor(fn: (...args: any[]) => T | PromiseLike<T>, args: unknown[] = []) {
    if (typeof fn !== "function") {
      throw typeError(`Coroutine expects a function, got ${show(fn)}`);
    }
    this.#fn = fn;
    this.#args = args;
    if (_getRunningLoop()?.getDebug()) {
      this._source = _callerSite();
      neverAwaited().register(this, { name: this.name, source: this._source }, this);
    }
  }

  /** The name of the function, as in `main()`. */
  get name(): string {
    return this.#fn.name || "<anonymous>";
  }

  /** @internal Starts it; a coroutine runs once. */
  _start(): T | PromiseLike<T> {
    if (this.#started) {
      throw new RuntimeError(
        `cannot reuse already awaited coroutine ${this.name}(): call the coroutine function again for a new one`,
      );
    }
    this._markRan();
    // Called as a plain function, as the coroutine function was written: a
    // stack trace names it "c1", not "Coroutine.c1".
    const fn = this.#fn;
    return fn(...this.#args);
  }

  /** @internal Marks it as never to run (a Task cancelled before it started). */
  _close(): void {
    this._markRan();
  }

  /** @internal Marks it as started by a subclass's own then(); throws if it already ran. */
  _claim(): void {
    if (this.#started) this._start(); // Throws "cannot reuse already awaited coroutine".
    this._markRan();
  }

  /** @internal It ran, or never will: no "never awaited" warning. */
  _markRan(): void {
    this.#started = true;
    if (this._source !== undefined) neverAwaited().unregister(this);
  }

  /** Runs it now, in the current task, and waits for its result. */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    let started: T | PromiseLike<T>;
    try {
      started = this._start();
    } catch (err) {
      return Promise.reject(err).then(onFulfilled, onRejected);
    }
    return Promise.resolve(started).then(onFulfilled, onRejected);
  }

  /** Like Promise.prototype.catch: `then(undefined, onRejected)`, so it runs it as `then()` does. */
  catch<R = never>(onRejected?: ((reason: any) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.then(undefined, onRejected);
  }

  /** Like Promise.prototype.finally, which it is, applied to this Coroutine: it calls `this.then()` at once. */
  finally(onFinally?: (() => void) | null): Promise<T> {
    return Promise.prototype.finally.call(this, onFinally);
  }

  /** "Coroutine": with `catch` and `finally`, what makes a Coroutine a `Promise<T>` to TypeScript. */
  get [Symbol.toStringTag](): string {
    return "Coroutine";
  }

  toString(): string {
    return `<coroutine ${this.name}()>`;
  }
}

/**
 * Wraps an async function so that calling it makes a lazy {@link Coroutine},
 * as calling a Python `async def` does: nothing runs until it is awaited or
 * made a Task.
 *
 * @example
 * ```ts
 * const a = coroutine(async () => { await sleep(0.2); return "a"; });
 * await run(() => gather(a(), a())); // two Tasks, started by gather
 * ```
 */
export function coroutine<A extends unknown[], T>(
  fn: (...args: A) => T | PromiseLike<T>,
): (...args: A) => Coroutine<Awaited<T>> {
  if (typeof fn !== "function") {
    throw typeError(`coroutine() expects an async function, got ${show(fn)}`);
  }
  const make = (...args: A): Coroutine<Awaited<T>> => new Coroutine(fn as (...args: any[]) => Awaited<T>, args);
  Object.defineProperty(make, "name", { value: fn.name });
  return make;
}

/** True if `value` is a lazy Coroutine. */
export function isCoroutine(value: unknown): value is Coroutine<unknown> {
  return value instanceof Coroutine;
}
