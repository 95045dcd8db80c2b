/**
 * The step protocol: the one place where task code and the loop meet.
 *
 * A task's code runs in promise jobs, not inside the loop's handles. This
 * module says which task's code is running (an AsyncLocalStorage the task's
 * body runs in, and whether a loop is running handles instead), and it holds
 * the only moves between the two sides:
 * - a Future awaited by task code suspends the task (`_suspend`): the task
 *   remembers what it waits on, a pending cancel cancels that, and the step
 *   is over, so the loop goes on with its batch;
 * - a done Future wakes the task (`_wake`): the loop's batch waits for the
 *   step it starts (`_stepStarting`), and a cancel requested while the task
 *   waited replaces the outcome.
 * Future depends on the two small interfaces below, not on Task or
 * EventLoop; Task and EventLoop implement them. The module depends on
 * nothing else of asyncio-ts, so every layer may use it
 * (docs/architecture.md, "The step protocol").
 *
 * asyncio-ts's own: CPython steps a coroutine from inside the loop's handle
 * (Task.__step), where a JavaScript async function runs on by itself.
 *
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";

// The two interfaces are in the declarations, as EventLoop and Task name
// them in `implements`; their members are internal, as the classes' are.

/** What the protocol needs of a loop (EventLoop implements it). */
export interface StepLoop {
  /** @internal A handle is about to resume `task`: the loop's batch waits for its step. */
  _stepStarting(task: object): void;
  /** @internal `task` awaits again or finished: its step is over. */
  _stepEnded(task: object): void;
}

/** What the protocol needs of a task (Task implements it). */
export interface SteppingTask {
  done(): boolean;
  getLoop(): StepLoop;
  toString(): string;
  /** @internal The task awaits `waitable`; a pending cancel cancels it. */
  _suspend(waitable: unknown): void;
  /** @internal `waitable` is done and about to wake the task. */
  _resume(waitable: unknown): void;
  /** @internal Takes the pending cancel, if any. */
  _takeMustCancel(): boolean;
  /** @internal The CancelledError its pending cancel stands for. */
  _makeCancelledError(): Error;
  /**
   * @internal While its code awaits one pending Future: the resolving
   * functions V8's `await` gave that Future's then(), which wake it. (A
   * second await at once, as in a Promise.all, goes through an Awaiter.)
   */
  _awaitResolve: ((value: unknown) => void) | undefined;
  /** @internal */
  _awaitReject: ((reason: unknown) => void) | undefined;
}

/** @internal The task whose body (and every promise job it starts) is running. */
export const _taskStorage = new AsyncLocalStorage<SteppingTask>();

// True while a loop runs the handles of its turn: no task's code runs then,
// whatever async context the host callback inherited. One flag for the
// thread: one loop at most runs in a thread.
let runningHandles = false;

/** @internal The loop starts running handles. */
export function _handlesStart(): void {
  runningHandles = true;
}

/** @internal The loop stopped running handles (its batch ended or waits for a step). */
export function _handlesEnd(): void {
  runningHandles = false;
}

/** @internal Whether a loop is running handles now (so no task code runs). */
export function _runningHandles(): boolean {
  return runningHandles;
}

/**
 * @internal Runs a task's first step synchronously (inside its start handle,
 * or inside createTask for an eager task): its code counts as task code
 * while it runs. Called inside an AsyncResource's `runInAsyncScope()`,
 * which restores the contexts when it returns, so the task's store is
 * entered with `enterWith` and only one context is made (`run()` makes a
 * second one to restore the first; on Node 24, each is a copy of a Map).
 */
export function _runFirstStepInScope<A>(task: SteppingTask, fn: (arg: A) => void, arg: A): void {
  _taskStorage.enterWith(task);
  runAsTaskCode(fn, arg);
}

function runAsTaskCode<A>(fn: (arg: A) => void, arg: A): void {
  const was = runningHandles;
  runningHandles = false;
  try {
    fn(arg);
  } finally {
    runningHandles = was;
  }
}

/** @internal The task whose code is running now, if any (not a done one, not from inside a handle). */
export function _runningTask(): SteppingTask | undefined {
  const task = _taskStorage.getStore();
  return task === undefined || runningHandles || task.done() ? undefined : task;
}

/** @internal Task code awaits `waitable`, which is pending: the task waits on it, and its step is over. */
export function _suspend(task: SteppingTask, waitable: unknown): void {
  task._suspend(waitable);
  task.getLoop()._stepEnded(task);
}

/** @internal A handle is about to wake `task`: the loop waits for the step. */
export function _stepStarting(task: SteppingTask): void {
  if (!task.done()) task.getLoop()._stepStarting(task);
}

/**
 * @internal `waitable` is done and wakes `task`: returns true when a cancel
 * requested while the task waited must replace the outcome.
 */
export function _wake(task: SteppingTask, waitable: unknown): boolean {
  task._resume(waitable);
  return task._takeMustCancel();
}

/** @internal `task` finished (returned or threw): its step is over. */
export function _stepEnded(task: SteppingTask): void {
  task.getLoop()._stepEnded(task);
}
