/**
 * Task: runs an async function (or a lazy Coroutine) concurrently, and can be
 * cancelled at the `await` it is waiting on.
 *
 * Port of CPython 3.13 Lib/asyncio/tasks.py `Task` and `create_task`.
 * Differs: CPython steps the coroutine itself and so knows the one future it
 * waits on (`_fut_waiter`); here the body is a native async function, and an
 * asyncio-ts awaitable that the body awaits registers itself as the task's
 * waiter (futures.ts). `task.cancel()` cancels the waiters, so CancelledError
 * arrives at that `await`; when the task waits on something foreign, it
 * arrives at the next asyncio-ts await, and `task.signal` aborts at once.
 * A body that combines awaitables with Promise.all has several waiters;
 * cancel() cancels them all.
 *
 * Eager tasks (CPython 3.12 `eager_start`, `eager_task_factory`): the first
 * step runs inside `createTask`. Differs: it runs synchronously only up to
 * the body's first `await`, since a JavaScript async function goes on in
 * promise jobs from there (docs/differences.md, "Eager tasks").
 *
 * @module
 */

import { AsyncResource } from "node:async_hooks";
import { CancelledError, InvalidStateError, RuntimeError, checkSignal, show, typeError } from "../errors.js";
import { Future, _FutureExtra, _onAbortWhilePending } from "../futures.js";
import type { EventLoop } from "../loop/event-loop.js";
import { getRunningLoop } from "../loop/running-loop.js";
import {
  type SteppingTask,
  _runFirstStepInScope,
  _runningHandles,
  _stepEnded,
  _stepStarting,
  _taskStorage,
} from "../core/step.js";
import { Coroutine } from "./coroutine.js";
import { isThenable } from "../util.js";

/**
 * What a Task runs: an async function called with no arguments, a lazy
 * Coroutine, or an asyncio-ts Future to await (what `sleep()`, `toThread()`
 * and `gather()` return, which are coroutines in CPython).
 */
export type TaskBody<T> = (() => T | PromiseLike<T>) | Coroutine<T> | Future<T>;

/** Options of `createTask()`. */
export interface TaskOptions {
  /** The task's name; default `Task-N`. */
  name?: string;
  /**
   * Runs the task's first step now, inside `createTask`, up to the body's
   * first `await`, when the loop is running (CPython 3.12's `eager_start`).
   * A body that finishes there never waits for a loop turn. Default: false,
   * or true under {@link eagerTaskFactory}.
   */
  eagerStart?: boolean;
  /**
   * Cancels the task when aborted (with the message "aborted by its
   * AbortSignal"); an already aborted signal cancels it before it starts.
   */
  signal?: AbortSignal;
}

/**
 * A loop's task factory (CPython's `loop.set_task_factory`): makes the Task
 * for `createTask(body, options)`, and for `gather()`, `ensureFuture()` and
 * the other functions that run an async function as a Task.
 */
export type TaskFactory = (loop: EventLoop, body: TaskBody<unknown>, options: TaskOptions) => Task<unknown>;

/** A Task class, or a subclass, as {@link createEagerTaskFactory} takes it. */
export type TaskConstructor = new (
  body: TaskBody<unknown>,
  options: TaskOptions & { loop?: EventLoop },
) => Task<unknown>;

/**
 * A Future that runs a coroutine. Create one with {@link createTask}; it
 * starts on a later loop turn, or with `eagerStart` inside `createTask`.
 */
export class Task<T = unknown> extends Future<T> implements SteppingTask {
  // While the task is not done: before its first step, the task itself is
  // in the loop's ready queue (its own start handle); after it, the body's
  // promise is pending, and #waiter (plus TaskExtra.moreWaiters) holds the
  // asyncio-ts awaitables it is awaiting, if any. Rarely set fields are in
  // TaskExtra, made on first use.
  readonly #body: TaskBody<T>;
  #name: string | number; // A number until asked for: `Task-${n}` is made lazily.
  #waiter: Future<unknown> | undefined;
  // The AsyncLocalStorage contexts where the task was created, until its
  // first step runs in them; later steps continue from it. CPython copies
  // the contextvars context into the task in the same way.
  #context: AsyncResource | undefined;
  /** @internal */ _awaitResolve: ((value: unknown) => void) | undefined;
  /** @internal */ _awaitReject: ((reason: unknown) => void) | undefined;
  /** @internal The loop's list of tasks not done yet (EventLoop._addTask). */ _prevTask: Task<unknown> | undefined;
  /** @internal */ _nextTask: Task<unknown> | undefined;

  /**
   * A Task that runs `body` on `options.loop` (default: the running loop),
   * as CPython's `asyncio.Task(coro, loop=...)`. Most code calls
   * {@link createTask}.
   *
   * @throws {TypeError} for a body that is not an async function, a Coroutine or a Future.
   * @throws {RuntimeError} with no loop given and none running, or a closed loop.
   */
  constructor(body: TaskBody<T>, options: TaskOptions & { loop?: EventLoop } = {}) {
    super({ loop: checkedLoop(body, options.loop, "new Task()") });
    const loop = this.getLoop();
    loop._checkOpen("createTask()");
    const signal = checkSignal(options.signal, "createTask()");
    this.#body = body;
    this.#name = options.name !== undefined ? String(options.name) : ++loop._taskSeq;
    // Future's constructor recorded where it was made, in debug mode (_source).
    const monitor = loop._monitor;
    if (options.eagerStart === true && loop.isRunning()) {
      // As CPython 3.12+: an eager task is registered before its first step,
      // so allTasks() inside the step finds it.
      loop._addTask(this as Task<unknown>);
      monitor?.taskCreated(this as Task<unknown>, true);
      this._eagerStart();
      if (signal !== undefined) this._cancelOn(signal);
      return;
    }
    monitor?.taskCreated(this as Task<unknown>, false);
    this.#context = new AsyncResource("asyncio-ts.Task");
    // The task is its own start handle: the loop's ready queue calls _run().
    loop._schedule(this);
    // Registered once scheduled, as CPython 3.13: a task whose scheduling
    // threw is not left in allTasks() (test_error_in_call_soon).
    loop._addTask(this as Task<unknown>);
    if (signal !== undefined) this._cancelOn(signal);
  }

  /** @internal The signal option: cancel when it aborts, and stop listening once done. */
  _cancelOn(signal: AbortSignal): void {
    _onAbortWhilePending(this as Future<unknown>, signal, () => {
      this.cancel("aborted by its AbortSignal");
    });
  }

  /** The task's name. */
  getName(): string {
    if (typeof this.#name === "number") this.#name = `Task-${this.#name}`;
    return this.#name;
  }

  /** Renames the task. */
  setName(name: string): void {
    this.#name = String(name);
  }

  /** The function or Coroutine the task runs. */
  getCoro(): TaskBody<T> {
    return this.#body;
  }

  /**
   * An AbortSignal aborted (with a CancelledError as reason) when the task's
   * cancellation is requested: pass it to fetch and other foreign APIs.
   */
  get signal(): AbortSignal {
    const x = this._taskExtra();
    if (x.controller === undefined) {
      x.controller = new AbortController();
      if (x.cancelsRequested > 0 || this.cancelled()) {
        x.controller.abort(new CancelledError(x.signalMessage ?? ""));
      }
    }
    return x.controller.signal;
  }

  /**
   * Requests cancellation: CancelledError is thrown into the task's code at
   * the await it is waiting on. Returns false if the task is already done.
   */
  override cancel(msg?: string): boolean {
    if (this.done()) return super.cancel(msg); // false; marks a failure handled, as CPython
    this._loopMonitor()?.cancelRequested(this as Task<unknown>, msg);
    const x = this._taskExtra();
    x.cancelsRequested++;
    x.signalMessage = msg; // For `signal`, if read later.
    x.controller?.abort(new CancelledError(msg ?? ""));
    let cancelledWaiter = false;
    if (this.#waiter !== undefined && cancelWaiter(this.#waiter, msg)) cancelledWaiter = true;
    if (x.moreWaiters !== undefined) {
      for (const waiter of x.moreWaiters) if (cancelWaiter(waiter, msg)) cancelledWaiter = true;
    }
    if (cancelledWaiter) return true;
    // The waiter is done but has not woken the task yet, the task is in
    // sleep(0) (CPython's bare yield, no Future to cancel), or it awaits
    // something foreign: deliver at its next wake-up or asyncio-ts await.
    x.mustCancel = true;
    this._cancelMessage = msg;
    return true;
  }

  /** How many cancellation requests are pending (not undone by uncancel()). */
  cancelling(): number {
    return this._taskExtraIfMade()?.cancelsRequested ?? 0;
  }

  /** Takes back one cancellation request; returns how many remain. */
  uncancel(): number {
    const x = this._taskExtraIfMade();
    if (x === undefined) return 0;
    if (x.cancelsRequested > 0) {
      x.cancelsRequested--;
      // As CPython 3.13: with no request left, a pending one is dropped.
      if (x.cancelsRequested === 0) x.mustCancel = false;
    }
    return x.cancelsRequested;
  }

  /** @internal */
  override _newExtra(): TaskExtra {
    return new TaskExtra();
  }

  /** @internal */
  _taskExtra(): TaskExtra {
    return this._extra() as TaskExtra;
  }

  /** @internal */
  _taskExtraIfMade(): TaskExtra | undefined {
    return this._extraIfMade() as TaskExtra | undefined;
  }

  /** @internal The task awaits `future`. */
  _suspend(future: Future<unknown>): void {
    this._loopMonitor()?.taskSuspended(this as Task<unknown>, future);
    if (this.#waiter === undefined) this.#waiter = future;
    else if (this.#waiter !== future) (this._taskExtra().moreWaiters ??= new Set()).add(future);
    const x = this._taskExtraIfMade();
    if (x !== undefined && x.mustCancel && !future.done() && cancelWaiter(future, this._cancelMessage)) {
      x.mustCancel = false;
    }
  }

  /** @internal `future` is done and about to wake the task. */
  _resume(future: Future<unknown>): void {
    if (this.#waiter === future) this.#waiter = undefined;
    else this._taskExtraIfMade()?.moreWaiters?.delete(future);
    const monitor = this._loopMonitor();
    if (monitor !== undefined) queueMicrotask(() => monitor.stepStarted(this as Task<unknown>));
  }

  /** @internal The asyncio-ts awaitables its code awaits now (none while it runs, is ready, or awaits something foreign). */
  _waiters(): Future<unknown>[] {
    const waiters = this.#waiter === undefined ? [] : [this.#waiter];
    const more = this._taskExtraIfMade()?.moreWaiters;
    if (more !== undefined) waiters.push(...more);
    return waiters;
  }

  /** @internal */
  override _describe(): string {
    return this.getName();
  }

  /**
   * @internal The name of what it runs, as the task tree and the trace show
   * it: the function's name ("save"), or what a Future body stands for.
   */
  _bodyName(): string {
    const body = this.#body;
    if (body instanceof Future) return body._describe().replace(/\(\)$/, "");
    return body.name || "<anonymous>";
  }

  /** @internal Whether its first step ran (a lazy task waits for it in the ready queue until then). */
  _started(): boolean {
    return this.#context === undefined;
  }

  /** @internal Takes the pending cancel, if any: the waking task gets a CancelledError instead. */
  _takeMustCancel(): boolean {
    const x = this._taskExtraIfMade();
    if (x === undefined || !x.mustCancel) return false;
    x.mustCancel = false;
    return true;
  }

  /** @internal The first step, run from the loop's ready queue, as a Handle runs. */
  _run(): void {
    try {
      this._start();
    } catch (exception) {
      // CPython names the step method that threw.
      this.getLoop().callExceptionHandler({ message: "Exception in callback Task.__step()", exception, task: this });
    }
  }

  /** @internal For debug mode: the ready queue holds the task for a step, not a callback. */
  get _step(): boolean {
    return true;
  }

  /** @internal */
  _start(): void {
    if (this.done()) {
      // Completed by Future.prototype.setResult/setException before its
      // first step (CPython's SetMethodsTest): CPython's __step raises this,
      // and the loop reports it.
      this.getLoop()._removeTask(this as Task<unknown>);
      throw new InvalidStateError(
        `_step(): already done: ${this.toString()}: a Task completes when its code returns or throws; complete a Future instead`,
      );
    }
    const loop = this.getLoop();
    const context = this.#context!;
    this.#context = undefined;
    if (this._takeMustCancel()) {
      // Cancelled before its first step: the body never runs (CPython throws
      // CancelledError into the coroutine before its first line, and the
      // coroutine raises it).
      if (this.#body instanceof Coroutine) this.#body._close();
      else if (this.#body instanceof Future) this.#body.cancel(this._cancelMessage);
      this._finishCancelled(this._makeCancelledError());
      return;
    }
    loop._monitor?.stepStarted(this as Task<unknown>);
    _stepStarting(this);
    // One context switch per task: the body and its reactions run in the
    // creator's contexts plus the task, so the reactions (shared functions,
    // no closure per task) find the task.
    context.runInAsyncScope(runFirstStep, null, this as Task<unknown>);
  }

  // Port of CPython 3.13 Lib/asyncio/tasks.py `Task.__eager_start`: the
  // first step runs now, in the creator's AsyncLocalStorage contexts, with
  // the task as the current task until the body's first await; the
  // creator's is current again after. A body that returns or throws there
  // completes the task before createTask returns, and its done callbacks are
  // scheduled, not called.
  // The step runs in an AsyncResource of its own (made now, so holding the
  // current contexts), as CPython runs it in the task's copy of the
  // context: an `enterWith` in the body stays in the task. Without it, on
  // Node 20 as on Node 24, the write would land in the creator's context.
  /** @internal */
  _eagerStart(): void {
    // Inside a loop callback (a callSoon or done callback), the loop's batch
    // waits for the step after the callback, as it waits for a lazy task's
    // first step: the rest of the step (up to the task's next asyncio-ts
    // await) runs in promise jobs, before the next handle, as in CPython it
    // runs inside the callback. Inside task code (another task's step, an
    // eager task that creates one) the step is part of the creator's, and
    // the batch already waits for that. Elsewhere no batch waits.
    const inHandle = _runningHandles();
    new AsyncResource("asyncio-ts.Task").runInAsyncScope(runFirstStep, null, this as Task<unknown>);
    // Done, or suspended on a Future already (a Future as the body): the step is over.
    if (inHandle && !this.done() && this.#waiter === undefined) _stepStarting(this);
  }

  /** @internal The body returned `value`. */
  _onReturn(value: T): void {
    if (this.done()) return;
    this._settled();
    if (this._takeMustCancel()) {
      // Cancelled right before the body returned: the cancel message stays.
      super.cancel(this._cancelMessage);
    } else {
      super.setResult(value);
    }
    this._loopMonitor()?.taskDone(this as Task<unknown>);
    _stepEnded(this);
  }

  /** @internal The body threw `err`. */
  _onThrow(err: unknown): void {
    if (this.done()) return;
    this._settled();
    if (err instanceof CancelledError) {
      this._finishCancelled(err);
    } else {
      super.setException(err);
      this._loopMonitor()?.taskDone(this as Task<unknown>);
    }
    _stepEnded(this);
  }

  // The body raised CancelledError: awaiting the task raises that error
  // once, then CancelledError('') (CPython 3.13 keeps no message either).
  /** @internal */
  _finishCancelled(err: CancelledError): void {
    this._settled();
    this._cancelledExc = err;
    super.cancel();
    this._loopMonitor()?.taskDone(this as Task<unknown>);
  }

  /** @internal */
  _settled(): void {
    this.#waiter = undefined;
    const x = this._taskExtraIfMade();
    if (x !== undefined) x.moreWaiters = undefined;
    this.getLoop()._removeTask(this as Task<unknown>);
  }

  /** @internal Debug mode's monitor, a trace recorder, or both (loop/monitor.ts). */
  _loopMonitor(): EventLoop["_monitor"] {
    return this.getLoop()._monitor;
  }

  /** Not supported: a Task completes when its code returns or throws. */
  override setResult(_result: T): never {
    throw taskCompletionError("setResult");
  }

  /** Not supported: a Task completes when its code returns or throws. */
  override setException(_exception: unknown): never {
    throw taskCompletionError("setException");
  }

  // Port of CPython 3.13 Lib/asyncio/base_tasks.py `_task_repr_info`.
  /** @internal */
  override _reprInfo(): string[] {
    const info = super._reprInfo();
    if (this.cancelling() > 0 && !this.done()) info[0] = "cancelling";
    info.splice(1, 0, `name=${show(this.getName())}`, `coro=${coroName(this.#body)}`);
    if (this.#waiter !== undefined) info.splice(3, 0, `wait_for=${this.#waiter.toString()}`);
    return info;
  }
}

// A Task's rarely set fields, beside its Future's (futures.ts _FutureExtra).
class TaskExtra extends _FutureExtra {
  /** The awaitables it awaits beyond the first (a Promise.all of several). */
  moreWaiters: Set<Future<unknown>> | undefined = undefined;
  /** The last cancel's message, for `signal` if read later. */
  signalMessage: string | undefined = undefined;
  /** Cancel requests not undone by uncancel(). */
  cancelsRequested = 0;
  /** A cancel waits for the task's next wake-up or asyncio-ts await (nothing to cancel now). */
  mustCancel = false;
  controller: AbortController | undefined = undefined;
}

// Cancels what a task waits on; sleep(0) is a bare yield, with nothing to cancel.
function cancelWaiter(waiter: Future<unknown>, msg: string | undefined): boolean {
  return !waiter._isBareYield() && waiter.cancel(msg);
}

function runFirstStep(task: Task<unknown>): void {
  // The body's first step runs inside the start handle: it is task code.
  // (Called by runInAsyncScope, which restores the contexts afterwards.)
  _runFirstStepInScope(task, firstStepBody, task);
}

function firstStepBody(task: Task<unknown>): void {
  let returned: unknown;
  try {
    const body = task.getCoro();
    returned = body instanceof Coroutine ? body._start() : body instanceof Future ? body : body();
    if (returned instanceof Promise) {
      // A native promise's reactions run in the context of their then():
      // this task's, so shared functions can find it.
      returned.then(onBodyReturn, onBodyThrow);
      return;
    }
    if (isThenable(returned)) {
      // A Future (or another thenable) may settle it from a loop callback,
      // outside this task's context.
      returned.then(
        (value) => task._onReturn(value),
        (err: unknown) => task._onThrow(err),
      );
      return;
    }
  } catch (err) {
    task._onThrow(err);
    return;
  }
  task._onReturn(returned);
}

function onBodyReturn(value: unknown): void {
  (_taskStorage.getStore() as Task<unknown>)._onReturn(value);
}

function onBodyThrow(err: unknown): void {
  (_taskStorage.getStore() as Task<unknown>)._onThrow(err);
}

function coroName(body: TaskBody<unknown>): string {
  if (body instanceof Future) return body.toString();
  return body instanceof Coroutine ? `${body.name}()` : `${body.name || "<anonymous>"}()`;
}

function taskCompletionError(what: string): RuntimeError {
  return new RuntimeError(
    `Task does not support ${what} operation: a Task completes when its code returns or throws; use a Future`,
  );
}

/**
 * Schedules `coro` to run as a Task on the running loop; it starts on a later
 * loop turn, or with `eagerStart` (or the loop's {@link eagerTaskFactory})
 * inside this call, up to its first `await`.
 *
 * @param coro - An async function (called with no arguments) or a lazy Coroutine.
 * @throws {TypeError} for anything else, such as an already running promise.
 * @throws {RuntimeError} outside a running loop.
 * @example
 * ```ts
 * const task = createTask(async () => { await sleep(1); return 42; }, { name: "answer" });
 * console.log(await task); // 42
 * ```
 */
export function createTask<T>(coro: TaskBody<T>, options: TaskOptions = {}): Task<Awaited<T>> {
  const loop = checkedLoop(coro, undefined, "createTask()");
  return _newTask(loop, coro, options) as Task<Awaited<T>>;
}

/**
 * @internal A new Task of `loop`, made by the loop's task factory if one is
 * set (port of CPython 3.13 Lib/asyncio/base_events.py `create_task`; the
 * name goes to the factory, as CPython 3.13.3+ and 3.14 pass it).
 */
export function _newTask(loop: EventLoop, body: TaskBody<unknown>, options: TaskOptions): Task<unknown> {
  const factory = loop.getTaskFactory();
  if (factory === undefined) return new Task(body, { ...options, loop });
  loop._checkOpen("createTask()");
  return factory(loop, body, options);
}

/**
 * A task factory that starts every task eagerly, made with `taskClass` (Task
 * or a subclass). Port of CPython 3.12 Lib/asyncio/tasks.py
 * `create_eager_task_factory`; as in CPython 3.14, `eagerStart: false`
 * passed to createTask still makes a lazy task.
 *
 * @example
 * ```ts
 * await run(main, { taskFactory: createEagerTaskFactory(MyTask) });
 * ```
 */
export function createEagerTaskFactory(taskClass: TaskConstructor): TaskFactory {
  if (typeof taskClass !== "function") {
    throw typeError(`createEagerTaskFactory() expects a Task class, got ${show(taskClass)}`);
  }
  return (loop, body, options) => new taskClass(body, { ...options, eagerStart: options.eagerStart ?? true, loop });
}

/**
 * The task factory of eager Tasks (CPython 3.12 `asyncio.eager_task_factory`):
 * `run(main, { taskFactory: eagerTaskFactory })` or
 * `loop.setTaskFactory(eagerTaskFactory)`. Each task's first step runs
 * inside `createTask` (or `gather()`, ...), up to its first `await`.
 */
export const eagerTaskFactory: TaskFactory = createEagerTaskFactory(Task as TaskConstructor);

// The loop a new task runs on, once its body is one a Task can run.
function checkedLoop(body: unknown, loop: EventLoop | undefined, what: string): EventLoop {
  const target = loop ?? getRunningLoop();
  if (typeof body !== "function" && !(body instanceof Coroutine) && !(body instanceof Future)) {
    const call = what === "new Task()" ? "new Task(fn)" : "createTask(fn)";
    const wrong = what === "new Task()" ? "new Task(fn())" : "createTask(fn())";
    throw typeError(
      `${what} expects an async function, a Coroutine or an asyncio-ts Future, got ${show(body)}: ` +
        (isThenable(body)
          ? `a promise is already running and cannot become a Task; pass the function instead (${call}, not ${wrong})`
          : "pass the function itself"),
    );
  }
  return target;
}
