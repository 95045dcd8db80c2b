/**
 * Every error class asyncio-ts throws, each with a stable `code`.
 *
 * Port of CPython 3.13 Lib/asyncio/exceptions.py. Differs: JavaScript has no
 * BaseException, so CancelledError extends Error and a broad `catch` catches
 * it too; re-throw it with `if (isCancelled(err)) throw err`.
 *
 * @module
 */

import { inspect, types } from "node:util";

/**
 * The options of the error constructors: `{ cause }`. Spelt out rather than
 * the ES2022 lib's `ErrorOptions`, so the declarations compile for a
 * project whose target (and so default lib) is ES2020 or ES2021.
 */
type CauseOptions = { cause?: unknown };

/**
 * The operation was cancelled: thrown at the `await` of a cancelled task, and
 * by `result()` of a cancelled Future.
 *
 * @example
 * ```ts
 * try { await sleep(10); } catch (err) { if (isCancelled(err)) throw err; }
 * ```
 */
export class CancelledError extends Error {
  override readonly name = "CancelledError";
  readonly code = "ERR_ASYNCIO_CANCELLED";
  constructor(message?: string, options?: CauseOptions) {
    super(message ?? "", options);
  }
}

/**
 * The deadline passed: from `waitFor`, `timeout`, `asCompleted`. Its `name` is
 * `"TimeoutError"`, like the DOMException that `AbortSignal.timeout()` gives;
 * its message says what ran out and after how long (`waitFor() timed out
 * after 2 s`), where CPython's is empty.
 */
export class TimeoutError extends Error {
  override readonly name = "TimeoutError";
  readonly code = "ERR_ASYNCIO_TIMEOUT";
  constructor(message?: string, options?: CauseOptions) {
    super(message ?? "", options);
  }
}

/** An operation not allowed in the object's current state (`result()` of a pending Future). */
export class InvalidStateError extends Error {
  override readonly name = "InvalidStateError";
  readonly code = "ERR_ASYNCIO_INVALID_STATE";
}

/** Misuse of the runtime, such as `run()` inside a running event loop. */
export class RuntimeError extends Error {
  override readonly name: string = "RuntimeError";
  readonly code: string = "ERR_ASYNCIO_RUNTIME";
}

/**
 * SIGINT (Ctrl-C) interrupted `run()`: the main task was cancelled and its
 * `finally` blocks ran. A script that does not catch it exits with code 130.
 */
export class KeyboardInterrupt extends Error {
  override readonly name = "KeyboardInterrupt";
  readonly code = "ERR_ASYNCIO_KEYBOARD_INTERRUPT";
  constructor(message?: string, options?: CauseOptions) {
    super(message ?? "", options);
  }
}

/**
 * True when `err` is a cancellation: a {@link CancelledError}, or an
 * AbortError from an AbortSignal such as `task.signal`.
 *
 * @example
 * ```ts
 * try { await work(); } catch (err) { if (isCancelled(err)) throw err; log(err); }
 * ```
 */
export function isCancelled(err: unknown): boolean {
  return err instanceof CancelledError || (err instanceof Error && err.name === "AbortError");
}

type Coded<E> = E & { readonly code: string };

/**
 * @internal Gives `err` a stable `code`: an own, enumerable property, so it
 * also survives the trip back from a worker thread.
 */
export function withCode<E extends Error>(err: E, code: string): Coded<E> {
  Object.defineProperty(err, "code", { value: code, enumerable: true });
  return err as Coded<E>;
}

/** @internal A TypeError with a code, for bad arguments. */
export function typeError(message: string, code = "ERR_ASYNCIO_INVALID_ARG_TYPE"): Coded<TypeError> {
  return withCode(new TypeError(message), code);
}

/** @internal A RangeError with a code, for bad numeric arguments. */
export function rangeError(message: string, code = "ERR_ASYNCIO_OUT_OF_RANGE"): Coded<RangeError> {
  return withCode(new RangeError(message), code);
}

/**
 * @internal Shows a value in an error message. A Promise is "a Promise":
 * inspect() would print Node's bookkeeping (`Promise { 1,
 * [Symbol(async_id_symbol)]: 170, ... }` while async hooks are on), and the
 * state it shows says nothing about what the caller should have passed.
 */
export function show(value: unknown): string {
  if (types.isPromise(value)) return "a Promise";
  return inspect(value, { depth: 1, breakLength: Infinity });
}

/**
 * @internal A value in a Future's or Task's repr, on one line and shallow
 * (as CPython's reprlib): a Promise as `<Promise>`, not Node's internals.
 */
export function reprValue(value: unknown): string {
  if (types.isPromise(value)) return "<Promise>";
  return inspect(value, { depth: 0, breakLength: Infinity });
}

/** @internal Seconds in a message: to the millisecond, without trailing zeros (0.5, 2, 0.001). */
export function seconds(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

/** @internal Checks a duration in seconds: a number, not NaN; `null` where allowed means none. */
export function checkSeconds(value: unknown, what: string, { negative = true } = {}): number {
  if (typeof value !== "number") {
    throw typeError(
      `${what} must be a number of seconds, got ${show(value)}: durations are in seconds, as in asyncio (0.2 for 200 ms)`,
    );
  }
  if (Number.isNaN(value)) {
    throw rangeError(`${what} must be a number of seconds, got NaN: check the arithmetic that computed it`);
  }
  if (!negative && value < 0) {
    throw rangeError(`${what} must not be negative, got ${value}: pass Math.max(0, seconds), or 0 to yield once`);
  }
  return value;
}

/**
 * A worker thread of the pool died while running a job: it crashed, called
 * process.exit(), ran out of memory, or was terminated. The pool replaced it;
 * other jobs are not affected.
 */
export class WorkerError extends RuntimeError {
  override readonly name: string = "WorkerError";
  override readonly code: string = "ERR_ASYNCIO_WORKER";
}

/** What {@link ExceptionGroup.split} and {@link ExceptionGroup.subgroup} match: a class, classes, or a predicate. */
export type ExceptionMatcher =
  | (abstract new (...args: any[]) => unknown)
  | readonly (abstract new (...args: any[]) => unknown)[]
  | ((error: unknown) => boolean);

/**
 * AggregateError, typed as an Error with `errors`: the declarations then
 * compile for a project whose lib is ES2020, which has no AggregateError.
 */
const AggregateErrorBase = AggregateError as unknown as new (
  errors: Iterable<unknown>,
  message?: string,
  options?: CauseOptions,
) => Error & { readonly errors: unknown[] };

/**
 * Several errors raised together, as Python's ExceptionGroup: a TaskGroup
 * throws one when its tasks fail. A subclass of JavaScript's AggregateError
 * (`errors` is `exceptions`), with Python's `message`, `exceptions`,
 * `split()`, `subgroup()` and `derive()`.
 *
 * Python's `except* ValueError:` is `split()`: handle the matching part,
 * re-throw the rest.
 *
 * @example
 * ```ts
 * try {
 *   await taskGroup(async (tg) => { tg.createTask(a); tg.createTask(b); });
 * } catch (err) {
 *   if (!(err instanceof ExceptionGroup)) throw err;
 *   const [timeouts, rest] = err.split(TimeoutError); // except* TimeoutError
 *   if (timeouts) console.log(`${timeouts.exceptions.length} timed out`);
 *   if (rest) throw rest;
 * }
 * ```
 */
export class ExceptionGroup<E = unknown> extends AggregateErrorBase {
  override readonly name: string = "ExceptionGroup";
  readonly code: string = "ERR_ASYNCIO_EXCEPTION_GROUP";
  /** The errors, in order; nested groups stay groups. */
  readonly exceptions: readonly E[];

  /**
   * @param message - What the errors have in common (Python's `message`).
   * @param exceptions - One error at least; nested ExceptionGroups allowed.
   */
  constructor(message: string, exceptions: Iterable<E>, options?: CauseOptions) {
    if (typeof message !== "string") {
      throw typeError(`ExceptionGroup() expects a message string first, got ${show(message)}`);
    }
    const list =
      exceptions != null && typeof (exceptions as Iterable<E>)[Symbol.iterator] === "function"
        ? [...exceptions]
        : undefined;
    if (list === undefined || typeof exceptions === "string" || list.length === 0) {
      // An Error is shown by its name and message, not with its whole stack.
      const got = exceptions instanceof Error ? `${exceptions.name}: ${exceptions.message}` : show(exceptions);
      const hint =
        exceptions instanceof Error
          ? "put it in an array, [error]"
          : "throw the error itself when there is none to group";
      throw typeError(`ExceptionGroup() expects a non-empty array of errors second, got ${got}: ${hint}`);
    }
    Object.freeze(list);
    super(list, message, options);
    this.exceptions = list;
  }

  /** `message (N sub-exceptions)`, as Python's str() of a group. */
  override toString(): string {
    const n = this.exceptions.length;
    return `${this.name}: ${this.message} (${n} sub-exception${n === 1 ? "" : "s"})`;
  }

  /**
   * The errors that match, in a group of the same structure; undefined if
   * none does. The group itself is returned when it matches as a whole.
   */
  subgroup(condition: ExceptionMatcher): ExceptionGroup<E> | undefined {
    return this.split(condition)[0];
  }

  /**
   * Splits the group in two of the same structure: the errors that match
   * and the rest (Python's `except*`). Either is undefined when empty.
   * Nested groups are split too; `cause` and `stack` are copied.
   */
  split(condition: ExceptionMatcher): [match: ExceptionGroup<E> | undefined, rest: ExceptionGroup<E> | undefined] {
    const test = matcher(condition);
    if (test(this)) return [this, undefined];
    const match: E[] = [];
    const rest: E[] = [];
    for (const e of this.exceptions) {
      if (e instanceof ExceptionGroup) {
        const [m, r] = (e as ExceptionGroup<E>).split(test);
        if (m !== undefined) match.push(m as E);
        if (r !== undefined) rest.push(r as E);
      } else if (test(e)) {
        match.push(e);
      } else {
        rest.push(e);
      }
    }
    return [this.#copy(match), this.#copy(rest)];
  }

  /**
   * A group with the same message over other errors; `split()` and
   * `subgroup()` make their parts with it. It returns a plain
   * ExceptionGroup, as Python's does: override it for parts of a subclass.
   */
  derive<F>(exceptions: Iterable<F>): ExceptionGroup<F> {
    return new ExceptionGroup<F>(this.message, exceptions);
  }

  #copy(exceptions: E[]): ExceptionGroup<E> | undefined {
    if (exceptions.length === 0) return undefined;
    const part: unknown = this.derive(exceptions);
    if (!(part instanceof ExceptionGroup)) {
      throw typeError(`derive() must return an ExceptionGroup, got ${show(part)}: return new ExceptionGroup(...)`);
    }
    if ("cause" in this)
      Object.defineProperty(part, "cause", { value: this.cause, writable: true, configurable: true });
    if (this.stack !== undefined) part.stack = this.stack;
    return part as ExceptionGroup<E>;
  }
}

function matcher(condition: ExceptionMatcher): (error: unknown) => boolean {
  const isClass = (c: unknown): c is abstract new (...args: any[]) => unknown =>
    typeof c === "function" && (c === Error || c.prototype instanceof Error);
  // A class that is no Error class: refused, as CPython refuses a type that is no exception.
  const isOtherClass = (c: unknown): boolean =>
    typeof c === "function" && !isClass(c) && /^class\b/.test(Function.prototype.toString.call(c));
  if (isClass(condition)) return (e) => e instanceof condition;
  if (Array.isArray(condition) && condition.every(isClass)) {
    return (e) => condition.some((c) => e instanceof c);
  }
  if (typeof condition === "function" && !isOtherClass(condition)) return condition as (error: unknown) => boolean;
  throw typeError(
    `split() and subgroup() expect an Error class, an array of them, or a predicate function, got ${show(condition)}`,
  );
}

/** @internal Checks a `signal` option: an AbortSignal, or undefined for none. */
export function checkSignal(signal: unknown, what: string): AbortSignal | undefined {
  if (signal === undefined || signal instanceof AbortSignal) return signal;
  throw typeError(`${what} signal must be an AbortSignal, got ${show(signal)}: pass controller.signal`);
}

/**
 * @internal The error of a wait that `signal` aborted, as Node's own APIs
 * throw it (timers/promises, events.once): an AbortError, with the signal's
 * reason as its cause.
 */
export function abortError(signal: AbortSignal, what: string): Error {
  const err = new DOMException(`${what} was aborted by its AbortSignal`, "AbortError");
  Object.defineProperty(err, "cause", { value: signal.reason, writable: true, configurable: true });
  return err;
}
