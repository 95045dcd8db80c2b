/**
 * Future: a result that will be set later, awaitable and cancellable.
 *
 * Port of CPython 3.13 Lib/asyncio/futures.py `Future`. Differs: a Future is
 * a thenable, so `await fut` works anywhere; when the code awaiting it runs
 * inside a Task, that Task records the Future as what it waits on, and
 * `task.cancel()` cancels it (docs/differences.md, "Cancellation arrives at
 * asyncio-ts awaits"). Each done callback gets a handle of its own, in the
 * order added, as CPython's one call_soon each; a user's callback runs in the
 * AsyncLocalStorage contexts it was added from, as CPython's runs in the
 * context it was added with.
 *
 * @module
 */

import { inspect } from "node:util";
import { CancelledError, InvalidStateError, RuntimeError, reprValue, show, typeError } from "./errors.js";
import { _callInContext, _callbackFailed, _captureContext, type _Context } from "./loop/handles.js";
import { _isInternalCallback } from "./loop/internal-callback.js";
import type { EventLoop } from "./loop/event-loop.js";
import { _getRunningLoop } from "./loop/running-loop.js";
import { type SteppingTask, _runningTask, _stepStarting, _suspend, _wake } from "./core/step.js";
import { _callerSite, _siteLine } from "./debug/origin.js";
import { _trackUnretrieved, _untrackUnretrieved } from "./unretrieved.js";

const PENDING = 0;
const FINISHED = 1; // With a result.
const FAILED = 2; // Finished with an exception.
const CANCELLED = 3;
type State = typeof PENDING | typeof FINISHED | typeof FAILED | typeof CANCELLED;
const STATE_NAMES = ["pending", "finished", "finished", "cancelled"] as const;

/**
 * @internal The fields most Futures never set (a cancel's message, an
 * exception not yet retrieved, a creation site), in one object made on
 * first use, so that a Future that just gets a result stays small. Task
 * extends it with its own (TaskExtra).
 */
export class _FutureExtra {
  /** The cancel message. A Task shares it: its cancel() sets it for a pending cancel. */
  cancelMessage: string | undefined = undefined;
  /** The CancelledError a Task's body raised, kept for result(). */
  cancelledExc: CancelledError | undefined = undefined;
  /** The "exception was never retrieved" registration, until it is. */
  unretrieved: object | undefined = undefined;
  /** Where it was created, in debug mode. */
  source: string | undefined = undefined;
}

/** A callback for `addDoneCallback`: called with the Future once it is done. */
export type DoneCallback<T> = (future: Future<T>) => void;

/** @internal Someone awaiting the Future with `await` or `.then()`. */
class Awaiter {
  constructor(
    readonly task: SteppingTask | undefined,
    readonly onFulfilled: ((value: any) => unknown) | null | undefined,
    readonly onRejected: ((reason: any) => unknown) | null | undefined,
    readonly resolvePromise: (value: unknown) => void,
    readonly rejectPromise: (reason: unknown) => void,
  ) {}

  resolve(value: unknown): void {
    const fn = this.onFulfilled;
    if (typeof fn !== "function") {
      this.resolvePromise(value);
      return;
    }
    try {
      this.resolvePromise(fn(value));
    } catch (err) {
      this.rejectPromise(err);
    }
  }

  reject(reason: unknown): void {
    const fn = this.onRejected;
    if (typeof fn !== "function") {
      this.rejectPromise(reason);
      return;
    }
    try {
      this.resolvePromise(fn(reason));
    } catch (err) {
      this.rejectPromise(err);
    }
  }
}

// A shared Promise executor: hands out resolve/reject without a closure per then().
let capturedResolve: (value: any) => void = noop;
let capturedReject: (reason: unknown) => void = noop;
function captureResolvers(resolve: (value: any) => void, reject: (reason: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}
function noop(): void {}

const fnToString = Function.prototype.toString;

/**
 * Whether then() was called with two built-in anonymous functions: the
 * resolving functions of a promise, as V8's `await` passes them, which
 * drops what then() returns. (Promise.prototype.finally passes built-in
 * functions too and uses the result: Future.finally does not call it on a
 * Future, and calling it on one yourself from task code returns undefined.)
 */
function isAwaitCall(onFulfilled: unknown, onRejected: unknown): boolean {
  return (
    typeof onFulfilled === "function" &&
    typeof onRejected === "function" &&
    onFulfilled.name === "" &&
    onRejected.name === "" &&
    isBuiltin(onFulfilled) &&
    isBuiltin(onRejected)
  );
}

function isBuiltin(fn: Function): boolean {
  return fnToString.call(fn).endsWith("{ [native code] }");
}

/** @internal A user's done callback, with the contexts it was added from. */
class UserCallback {
  constructor(
    readonly fn: DoneCallback<any>,
    readonly context: _Context,
  ) {}
}

// A task among the callbacks is one whose `await` of this Future wakes it
// (SteppingTask._awaitResolve): no Awaiter is made for it.
type Callback = DoneCallback<any> | Awaiter | UserCallback | SteppingTask;

function isCallback(cb: Callback, fn: DoneCallback<any>): boolean {
  return cb === fn || (cb instanceof UserCallback && cb.fn === fn);
}

/** Options of `new Future()`. */
export interface FutureOptions {
  /** The loop it belongs to; default: the running loop. */
  loop?: EventLoop;
}

/**
 * A result that will be set later: `setResult`, `setException` or `cancel`
 * completes it once; `await fut` waits for it.
 *
 * @example
 * ```ts
 * const fut = new Future<number>();
 * getRunningLoop().callLater(0.1, () => fut.setResult(42));
 * console.log(await fut); // 42
 * ```
 */
export class Future<T = unknown> implements Promise<T> {
  #state: State = PENDING;
  #result: unknown; // The result, or (FAILED) the exception.
  // Undefined, one callback, or an array: most Futures have one awaiter.
  #callbacks: Callback | Callback[] | undefined;
  readonly #loop: EventLoop;
  #extra: _FutureExtra | undefined = undefined;

  constructor(options: FutureOptions = {}) {
    const loop = options.loop ?? _getRunningLoop();
    if (loop === undefined) {
      throw new RuntimeError("no running event loop: create Futures inside run(main), or pass { loop }");
    }
    this.#loop = loop;
    if (loop.getDebug()) this._source = _callerSite();
  }

  /** The loop this Future belongs to. */
  getLoop(): EventLoop {
    return this.#loop;
  }

  /** True once it has a result, an exception, or was cancelled. */
  done(): boolean {
    return this.#state !== PENDING;
  }

  /** True if it was cancelled. */
  cancelled(): boolean {
    return this.#state === CANCELLED;
  }

  /**
   * The result.
   *
   * @throws {CancelledError} if it was cancelled.
   * @throws {InvalidStateError} if it is not done yet.
   * @throws the exception it was completed with.
   */
  result(): T {
    if (this.#state === CANCELLED) throw this._makeCancelledError();
    if (this.#state === PENDING) {
      throw new InvalidStateError("Result is not ready: await it, or check done() before result()");
    }
    if (this.#state === FAILED) {
      this._retrieved();
      throw this.#result;
    }
    return this.#result as T;
  }

  /**
   * The exception it was completed with, or undefined if it has a result.
   * Typed `unknown`, not `Error | undefined`: JavaScript throws any value, so
   * a Task whose body throws a string, or `setException(42)`, has that value
   * as its exception; narrow it with `instanceof Error`. A task whose body
   * throws `undefined` gives undefined here too, and `result()` throws it.
   *
   * @throws {CancelledError} if it was cancelled.
   * @throws {InvalidStateError} if it is not done yet.
   */
  exception(): unknown {
    if (this.#state === CANCELLED) throw this._makeCancelledError();
    if (this.#state === PENDING) {
      throw new InvalidStateError("Exception is not set: await it, or check done() before exception()");
    }
    if (this.#state !== FAILED) return undefined;
    this._retrieved();
    return this.#result;
  }

  /**
   * @internal True once completed with an exception. JavaScript throws any
   * value, undefined included, so `exception() !== undefined` does not tell.
   */
  _failed(): boolean {
    return this.#state === FAILED;
  }

  /** @internal The result, or the exception, as it is: reading it marks no exception retrieved. */
  _outcome(): unknown {
    return this.#result;
  }

  /**
   * Completes it with a result; awaiting code resumes on the next loop turn.
   *
   * @throws {InvalidStateError} if it is already done.
   */
  setResult(result: T): void {
    if (this.#state !== PENDING) {
      throw new InvalidStateError(
        `${STATE_NAMES[this.#state]}: ${this.toString()}: a Future completes once; check done() first`,
      );
    }
    this.#result = result;
    this.#state = FINISHED;
    this._scheduleCallbacks();
  }

  /**
   * Completes it with an exception, which `await` and `result()` throw.
   *
   * @throws {InvalidStateError} if it is already done.
   */
  setException(exception: unknown): void {
    if (this.#state !== PENDING) {
      throw new InvalidStateError(
        `${STATE_NAMES[this.#state]}: ${this.toString()}: a Future completes once; check done() first`,
      );
    }
    this.#result = exception;
    this.#state = FAILED;
    const unretrieved = _trackUnretrieved(this, exception);
    if (unretrieved !== undefined) this._extra().unretrieved = unretrieved;
    this._scheduleCallbacks();
  }

  /**
   * Cancels it. Returns false if it was already done, else true; awaiting
   * code gets a CancelledError carrying `msg`.
   */
  cancel(msg?: string): boolean {
    // As CPython: asking to cancel counts as handling a failure.
    this._retrieved();
    if (this.#state !== PENDING) return false;
    this.#state = CANCELLED;
    if (msg !== undefined || this.#extra !== undefined) this._cancelMessage = msg;
    this._scheduleCallbacks();
    return true;
  }

  /** Calls `callback(future)` on a later loop turn once it is done. */
  addDoneCallback(callback: DoneCallback<T>): void {
    if (typeof callback !== "function") {
      throw typeError(`addDoneCallback() expects a function, got ${show(callback)}`);
    }
    // A user's callback runs in the contexts it was added from (CPython's
    // add_done_callback(context=copy_context())); asyncio-ts's own need none.
    this._addCallback(_isInternalCallback(callback) ? callback : new UserCallback(callback, _captureContext()));
  }

  /** Removes every registration of `callback`; returns how many it removed. */
  removeDoneCallback(callback: DoneCallback<T>): number {
    const cbs = this.#callbacks;
    // Once done, the callbacks are scheduled and run regardless, as in CPython.
    if (cbs === undefined || this.#state !== PENDING) return 0;
    if (!Array.isArray(cbs)) {
      if (!isCallback(cbs, callback)) return 0;
      this.#callbacks = undefined;
      return 1;
    }
    const kept = cbs.filter((cb) => !isCallback(cb, callback));
    this.#callbacks = kept;
    return cbs.length - kept.length;
  }

  /**
   * Makes the Future awaitable. Inside a Task, awaiting it makes it the
   * Task's waiter, which `task.cancel()` cancels. Called from task code with
   * a promise's two resolving functions, as `await` calls it, it returns
   * undefined instead of a Promise (docs/differences.md).
   */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const task = _runningTask();
    let promise: Promise<R1 | R2> | undefined;
    let resolve: (value: unknown) => void;
    let reject: (reason: unknown) => void;
    if (task !== undefined && isAwaitCall(onFulfilled, onRejected)) {
      // `await fut` in task code: V8 calls then() with the resolving
      // functions of a promise it made, and drops what then() returns. So
      // they settle that promise directly, and no promise is made here.
      if (
        this.#state === PENDING &&
        task._awaitResolve === undefined &&
        task.getLoop() === this.#loop &&
        (task as unknown) !== this
      ) {
        // The usual case: the task waits on this Future alone, and is
        // itself the callback that wakes it.
        task._awaitResolve = onFulfilled as unknown as (value: unknown) => void;
        task._awaitReject = onRejected as unknown as (reason: unknown) => void;
        this._addCallback(task);
        _suspend(task, this);
        return undefined as never;
      }
      resolve = onFulfilled as unknown as (value: unknown) => void;
      reject = onRejected as unknown as (reason: unknown) => void;
      onFulfilled = onRejected = undefined;
    } else {
      promise = new Promise<R1 | R2>(captureResolvers);
      resolve = capturedResolve;
      reject = capturedReject;
    }
    if (task !== undefined && task.getLoop() !== this.#loop) {
      const err = new RuntimeError(
        `Task ${task.toString()} got Future ${this.toString()} attached to a different loop: create the Future inside the task's run()`,
      );
      new Awaiter(undefined, onFulfilled, onRejected, resolve, reject).reject(err);
      return promise!;
    }
    if ((task as unknown) === this) {
      new Awaiter(undefined, onFulfilled, onRejected, resolve, reject).reject(
        new RuntimeError("Task cannot await on itself: await another task, or return the value"),
      );
      return promise!;
    }
    if (this.#state !== PENDING) {
      // As CPython's `await fut` on a done Future: the task does not suspend,
      // and a cancel requested meanwhile waits for its next suspension.
      this._deliver(new Awaiter(undefined, onFulfilled, onRejected, resolve, reject));
      return promise!;
    }
    const awaiter = new Awaiter(task, onFulfilled, onRejected, resolve, reject);
    this._addCallback(awaiter);
    if (task !== undefined) {
      // The wake-up is registered first, as CPython's Task.__step does: a
      // cancel pending for the task cancels this Future now, and the task
      // wakes on a later turn, after the callbacks queued before it.
      // The task now waits: its step is over, and the loop goes on.
      _suspend(task, this);
    }
    return promise!;
  }

  /** Like Promise.prototype.catch. */
  catch<R = never>(onRejected?: ((reason: any) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.then(undefined, onRejected);
  }

  /**
   * Like Promise.prototype.finally: it calls `this.then()` at once, as
   * `await` does, and runs `onFinally` once the Future is done.
   */
  finally(onFinally?: (() => void) | null): Promise<T> {
    // Promise.prototype.finally's steps (thenFinally, catchFinally), in
    // functions of its own: then() takes built-in ones for an await.
    if (typeof onFinally !== "function") return this.then(onFinally, onFinally);
    return this.then(
      (value) => Promise.resolve(onFinally()).then(() => value),
      (reason: unknown) =>
        Promise.resolve(onFinally()).then(() => {
          throw reason;
        }),
    );
  }

  /**
   * "Future" (the class's name for a subclass, "Task" for a Task): with
   * `catch` and `finally`, what makes a Future a `Promise<T>` to TypeScript.
   */
  get [Symbol.toStringTag](): string {
    return this.constructor.name;
  }

  /**
   * @internal Settles an awaiter from this done Future. Waking a task, a
   * cancel requested since it suspended replaces the outcome, unless that
   * outcome is a CancelledError already (CPython 3.13 `Task.__step`).
   */
  _deliver(awaiter: Awaiter | SteppingTask): void {
    let failed = true;
    let value: unknown;
    if (this.#state === CANCELLED) {
      value = this._makeCancelledError();
    } else if (this.#state === FAILED) {
      this._retrieved();
      value = this.#result;
    } else {
      failed = false;
      value = this.#result;
    }
    const task = awaiter instanceof Awaiter ? awaiter.task : awaiter;
    if (task !== undefined) {
      if (_wake(task, this) && !(failed && value instanceof CancelledError)) {
        failed = true;
        // The task's own: CancelledError with its pending cancel's message.
        value = task._makeCancelledError();
      }
    }
    if (awaiter instanceof Awaiter) {
      if (failed) awaiter.reject(value);
      else awaiter.resolve(value);
      return;
    }
    // The task's own await: its resolving functions, taken before they run,
    // since the task may await again as soon as they do.
    const settle = failed ? awaiter._awaitReject! : awaiter._awaitResolve!;
    awaiter._awaitResolve = awaiter._awaitReject = undefined;
    settle(value);
  }

  /**
   * @internal The CancelledError to throw for this cancelled Future. The
   * one a Task's code raised comes out once; later calls make a new one
   * with the cancel message (CPython 3.13 `_make_cancelled_error`).
   */
  _makeCancelledError(): CancelledError {
    const extra = this.#extra;
    const exc = extra?.cancelledExc;
    if (exc !== undefined) {
      extra!.cancelledExc = undefined;
      return exc;
    }
    return new CancelledError(extra?.cancelMessage ?? "");
  }

  /** @internal Completes it and runs its callbacks now, not on the next turn: for sleep(0). */
  _setResultNow(result: T): void {
    if (this.#state !== PENDING) return;
    this.#result = result;
    this.#state = FINISHED;
    const cbs = this.#callbacks;
    if (cbs === undefined || Array.isArray(cbs)) {
      this._scheduleCallbacks();
    } else {
      this.#callbacks = undefined;
      runCallback(this, cbs);
    }
  }

  /**
   * @internal True while it stands for CPython's bare `yield` (a sleep(0)
   * waiting for its turn): a task waiting on it waits on no Future there, so
   * a cancel of the task stays pending until its turn (Task.cancel).
   */
  _isBareYield(): boolean {
    return false;
  }

  /**
   * @internal What a task waiting on it waits on, as the task tree and the
   * trace name it: "sleep()", "Task-3", "Lock.acquire()". Subclasses say
   * what they stand for.
   */
  _describe(): string {
    return "Future";
  }

  /**
   * @internal The Futures it stands for, which a task awaiting it awaits
   * too: gather()'s children, shield()'s inner Future, wait()'s Futures.
   * The task tree (debug/graph.ts) and the trace (debug/trace.ts) follow them.
   */
  _awaitedParts(): Iterable<Future<unknown>> | undefined {
    return undefined;
  }

  /** @internal The rarely set fields, made on first use. */
  _extra(): _FutureExtra {
    return (this.#extra ??= this._newExtra());
  }

  /** @internal The rarely set fields, if any was set. */
  _extraIfMade(): _FutureExtra | undefined {
    return this.#extra;
  }

  /** @internal Makes the object of rarely set fields; Task makes a larger one. */
  _newExtra(): _FutureExtra {
    return new _FutureExtra();
  }

  /**
   * @internal The cancel message. A Task shares it, as in CPython: its
   * cancel() sets it for a pending cancel, and its end clears it.
   */
  get _cancelMessage(): string | undefined {
    return this.#extra?.cancelMessage;
  }
  /** @internal */
  set _cancelMessage(msg: string | undefined) {
    this._extra().cancelMessage = msg;
  }

  /** @internal The CancelledError a Task's body raised, kept for result(). */
  get _cancelledExc(): CancelledError | undefined {
    return this.#extra?.cancelledExc;
  }
  /** @internal */
  set _cancelledExc(exc: CancelledError | undefined) {
    this._extra().cancelledExc = exc;
  }

  /** @internal Where it was created, in debug mode. */
  get _source(): string | undefined {
    return this.#extra?.source;
  }
  /** @internal */
  set _source(source: string | undefined) {
    this._extra().source = source;
  }

  // Future's and Task's internal methods are `_` methods, not #private ones:
  // V8 gives each instance of a class with #private methods a field more.

  /** @internal The exception was retrieved: no "never retrieved" report for it. */
  _retrieved(): void {
    const extra = this.#extra;
    if (extra !== undefined && extra.unretrieved !== undefined) {
      _untrackUnretrieved(this.#loop, extra.unretrieved);
      extra.unretrieved = undefined;
    }
  }

  /** @internal Adds a done callback, or schedules it if the Future is done. */
  _addCallback(callback: Callback): void {
    if (this.#state !== PENDING) {
      this._scheduleOne(callback);
      return;
    }
    const cbs = this.#callbacks;
    if (cbs === undefined) this.#callbacks = callback;
    else if (Array.isArray(cbs)) cbs.push(callback);
    else this.#callbacks = [cbs, callback];
  }

  // One handle per callback, as CPython's call_soon each: a callback that
  // wakes a task lets that task's step run before the next callback.
  /** @internal Schedules every done callback, each in a handle of its own. */
  _scheduleCallbacks(): void {
    const cbs = this.#callbacks;
    if (cbs === undefined) return;
    this.#callbacks = undefined;
    if (Array.isArray(cbs)) for (const cb of cbs) this._scheduleOne(cb);
    else this._scheduleOne(cbs);
  }

  /** @internal Schedules one done callback. */
  _scheduleOne(callback: Callback): void {
    this.#loop._soon(runCallback, this, callback);
  }

  /** @internal Used by toString(); Task overrides the name and adds its own fields. */
  // Port of CPython 3.13 Lib/asyncio/base_futures.py `_future_repr_info`.
  /** @internal Used by toString(); Task overrides the name and adds its own fields. */
  _reprInfo(): string[] {
    const info: string[] = [STATE_NAMES[this.#state]];
    if (this.#state === FAILED) info.push(`exception=${formatException(this.#result)}`);
    else if (this.#state === FINISHED) {
      info.push(`result=${reprValue(this.#result)}`);
    }
    const cbs = this.#callbacks;
    if (cbs !== undefined) {
      const list = (Array.isArray(cbs) ? cbs : [cbs]).map(formatCallback);
      if (list.length > 2) list.splice(1, list.length - 2, `<${list.length - 2} more>`);
      info.push(`cb=[${list.join(", ")}]`);
    }
    if (this._source) info.push(`created at ${_siteLine(this._source)}`);
    return info;
  }

  toString(): string {
    return `<${this.constructor.name} ${this._reprInfo().join(" ")}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function runCallback(future: Future<unknown>, cb: Callback): void {
  if (cb instanceof Awaiter) {
    const task = cb.task;
    if (task !== undefined) _stepStarting(task);
    future._deliver(cb);
    return;
  }
  if (isAwaitingTask(cb)) {
    _stepStarting(cb);
    future._deliver(cb);
    return;
  }
  const fn = cb instanceof UserCallback ? cb.fn : cb;
  try {
    if (cb instanceof UserCallback) _callInContext(cb.context, fn, future, undefined);
    else fn(future);
  } catch (exception) {
    future.getLoop().callExceptionHandler({
      // As CPython 3.13's format_helpers: arguments only in debug mode, as
      // they may hold sensitive data.
      message: _callbackFailed(fn, future.getLoop().getDebug() ? future.toString() : ""),
      exception,
      future,
    });
  }
}

// A task awaiting the Future: a Task is a Future, and no other Future is a callback.
function isAwaitingTask(cb: Callback): cb is SteppingTask {
  return cb instanceof Future;
}

function formatCallback(cb: Callback): string {
  if (isAwaitingTask(cb)) return "Task.task_wakeup()";
  if (cb instanceof Awaiter) return cb.task !== undefined ? "Task.task_wakeup()" : "then()";
  const fn = cb instanceof UserCallback ? cb.fn : cb;
  return `${fn.name || "<anonymous>"}()`;
}

/** @internal `Error('boom')`, as CPython's repr of an exception. */
export function formatException(err: unknown): string {
  if (err instanceof Error) return `${err.name}(${err.message ? inspect(err.message) : ""})`;
  return reprValue(err);
}

/** @internal Completes `fut` with `result` unless it was cancelled meanwhile. */
/**
 * @internal Calls `onAbort` when `signal` aborts, at once if it has, as long
 * as `future` is pending; the listener goes once `future` is done.
 */
export function _onAbortWhilePending(future: Future<unknown>, signal: AbortSignal, onAbort: () => void): void {
  if (signal.aborted) {
    onAbort();
    return;
  }
  if (future.done()) return;
  signal.addEventListener("abort", onAbort, { once: true });
  future.addDoneCallback(() => signal.removeEventListener("abort", onAbort));
}

export function _setResultUnlessCancelled<T>(fut: Future<T>, result: T): void {
  if (!fut.done()) fut.setResult(result);
}

/** True if `value` is a Future (or a Task) of asyncio-ts. */
export function isFuture(value: unknown): value is Future<unknown> {
  return value instanceof Future;
}

/**
 * @internal A Future that says what it stands for, for the task tree and
 * the trace: "Lock.acquire()" (a method of its owner), or "wait()" with the
 * Futures it waits for. The waits of the primitives, queues and combinators
 * make these; the label is put together only when asked for, and the parts
 * are the collection the wait already keeps, so a wait allocates nothing
 * more for them.
 */
export class _LabelledFuture<T> extends Future<T> {
  readonly #what: string;
  readonly #parts: Iterable<Future<unknown>> | undefined;
  readonly #owner: object | undefined;

  /**
   * `what`: the label ("wait()"), or with `owner`, the name of the owner's
   * method ("acquire"), shown as "Lock.acquire()" after the owner's class.
   */
  constructor(loop: EventLoop, what: string, parts?: Iterable<Future<unknown>>, owner?: object) {
    super({ loop });
    this.#what = what;
    this.#parts = parts;
    this.#owner = owner;
  }

  /** @internal */
  override _describe(): string {
    return this.#owner === undefined ? this.#what : `${this.#owner.constructor.name}.${this.#what}()`;
  }

  /** @internal */
  override _awaitedParts(): Iterable<Future<unknown>> | undefined {
    return this.#parts;
  }
}
