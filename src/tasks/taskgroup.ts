/**
 * TaskGroup and taskGroup(): run tasks together, wait for all of them, and
 * when one fails cancel the others and the body, then throw the failures as
 * an ExceptionGroup.
 *
 * Port of CPython 3.13 Lib/asyncio/taskgroups.py. Differs: asyncio's `async
 * with TaskGroup() as tg:` becomes a callback, `await taskGroup(async (tg)
 * => …)`, which returns the body's value. `await using` is not offered: a
 * disposer is not told the error leaving its block, and cannot replace that
 * error with the ExceptionGroup (it can only add a SuppressedError around
 * it), nor swallow the CancelledError with which the group stops the body
 * (docs/differences.md, "TaskGroup"). JavaScript has no SystemExit: only
 * KeyboardInterrupt is not wrapped in the group.
 *
 * @module
 */

import { CancelledError, ExceptionGroup, KeyboardInterrupt, RuntimeError, show, typeError } from "../errors.js";
import { _abortable } from "../timeouts.js";
import { type Future, _LabelledFuture } from "../futures.js";
import type { EventLoop } from "../loop/event-loop.js";
import { _internalCallback } from "../loop/internal-callback.js";
import { getRunningLoop } from "../loop/running-loop.js";
import { Coroutine } from "./coroutine.js";
import { currentTask } from "./current-task.js";
import { type Task, type TaskBody, type TaskOptions, _newTask } from "./task.js";

/** Options of {@link taskGroup} and {@link TaskGroup.run}. */
export interface TaskGroupOptions {
  /** Cancels the group (its body and its tasks) when aborted; the group then throws an AbortError. */
  signal?: AbortSignal;
}

/** The body of a task group: a function given the group, whose value taskGroup() returns. */
export type TaskGroupBody<T> = (tg: TaskGroup) => T | PromiseLike<T>;

// The groups of each loop between entry and exit, for the task tree
// (debug/graph.ts): CPython records each task's parent in the task instead
// (`future_add_to_awaited_by`); keeping the groups costs nothing per task.
const liveGroups = new WeakMap<EventLoop, Set<TaskGroup>>();

/** @internal The entered TaskGroups of `loop`. */
export function _liveTaskGroups(loop: EventLoop): Iterable<TaskGroup> {
  return liveGroups.get(loop) ?? [];
}

/**
 * A group of tasks that finish together; see {@link taskGroup}. Its tasks
 * are made with {@link TaskGroup.createTask} while the group runs.
 */
export class TaskGroup {
  #entered = false;
  #exiting = false;
  #aborting = false;
  #loop: EventLoop | undefined;
  #parentTask: Task<unknown> | undefined;
  #parentCancelRequested = false;
  readonly #tasks = new Set<Task<unknown>>();
  #errors: unknown[] | undefined = [];
  /** The first KeyboardInterrupt of the body or a task, re-thrown as it is. */
  #baseError: KeyboardInterrupt | undefined = undefined;
  #onCompletedFut: Future<boolean> | undefined;

  /** A group not entered yet: run it with {@link TaskGroup.run}, or use {@link taskGroup}. */
  constructor() {}

  /**
   * Runs `body` in the group and waits for every task of the group; returns
   * the body's value. Throws an ExceptionGroup of the failures if any task
   * (or the body) failed. A group runs once. `options.signal` cancels the
   * body and the tasks when it aborts; the group then throws an AbortError
   * (unless a task failed: then the ExceptionGroup).
   */
  run<T>(body: TaskGroupBody<T>, options: TaskGroupOptions = {}): Coroutine<Awaited<T>> {
    if (typeof body !== "function") {
      throw typeError(
        `TaskGroup.run() expects a function that takes the group, got ${show(body)}: pass async (tg) => { tg.createTask(...) }`,
      );
    }
    // The signal cancels the group's task as a deadline would, and its
    // CancelledError leaves as an AbortError (timeouts.ts).
    return _abortable(new Coroutine(() => this.#run(body) as Promise<Awaited<T>>), options, "taskGroup()");
  }

  /**
   * Creates a task in the group, as {@link createTask} does; the group
   * waits for it. Throws a RuntimeError if the group has not started, has
   * finished, or is shutting down after a failure.
   */
  createTask<T>(coro: TaskBody<T>, options: TaskOptions = {}): Task<Awaited<T>> {
    const refuse = (why: string): never => {
      if (coro instanceof Coroutine) coro._close();
      throw new RuntimeError(`TaskGroup ${this.toString()} ${why}`);
    };
    if (!this.#entered) refuse("has not been entered: create its tasks inside taskGroup(async (tg) => ...)");
    if (this.#exiting && this.#tasks.size === 0) refuse("is finished: create a new group for more tasks");
    if (this.#aborting) refuse("is shutting down: a task of the group failed, or its task was cancelled");
    const task = _newTask(this.#loop!, coro, options) as Task<Awaited<T>>;
    // A task that finished eagerly is counted at once, without a callback.
    if (task.done()) {
      this.#onTaskDone(task);
    } else {
      this.#tasks.add(task);
      task.addDoneCallback(this.#onTaskDone);
    }
    return task;
  }

  /** As CPython's repr: `<TaskGroup tasks=2 errors=1 cancelling>`. */
  toString(): string {
    const info: string[] = [""];
    if (this.#tasks.size > 0) info.push(`tasks=${this.#tasks.size}`);
    if (this.#errors !== undefined && this.#errors.length > 0) info.push(`errors=${this.#errors.length}`);
    if (this.#aborting) info.push("cancelling");
    else if (this.#entered) info.push("entered");
    return `<TaskGroup${info.join(" ")}>`;
  }

  async #run<T>(body: TaskGroupBody<T>): Promise<T> {
    this.#enter();
    // Entered: its tasks count as awaited by the parent task (the task tree).
    let live = liveGroups.get(this.#loop!);
    if (live === undefined) liveGroups.set(this.#loop!, (live = new Set()));
    live.add(this);
    try {
      let result: T;
      try {
        result = await body(this);
      } catch (err) {
        await this.#exit(true, err);
        throw err;
      }
      await this.#exit(false, undefined);
      return result;
    } finally {
      live.delete(this);
    }
  }

  /** @internal The parent task and the tasks not done yet, for the task tree. */
  _members(): [parent: Task<unknown>, tasks: Iterable<Task<unknown>>] {
    return [this.#parentTask!, this.#tasks];
  }

  #enter(): void {
    if (this.#entered) {
      throw new RuntimeError(
        `TaskGroup ${this.toString()} has already been entered: a group runs once, make a new one`,
      );
    }
    this.#loop ??= getRunningLoop();
    this.#parentTask = currentTask(this.#loop);
    if (this.#parentTask === undefined) {
      throw new RuntimeError(
        `TaskGroup ${this.toString()} cannot determine the parent task: run it inside a task (in run() or createTask())`,
      );
    }
    this.#entered = true;
  }

  // CPython's __aexit__: returns when the body's own outcome stands (its
  // value, or its error re-thrown by #run), throws what replaces it.
  async #exit(failed: boolean, exc: unknown): Promise<void> {
    this.#exiting = true;
    if (failed && exc instanceof KeyboardInterrupt) this.#baseError ??= exc;
    let propagateCancellationError: { error: unknown } | undefined =
      failed && exc instanceof CancelledError ? { error: exc } : undefined;
    if (failed && !this.#aborting) {
      // The parent task is being cancelled, or the body threw: stop the tasks.
      this.#abort();
    }
    // A loop: the wait can be cancelled several times, when the parent task
    // is cancelled repeatedly (or once, while the group is already aborting).
    while (this.#tasks.size > 0) {
      this.#onCompletedFut ??= new _LabelledFuture<boolean>(this.#loop!, "taskGroup()", this.#tasks);
      try {
        await this.#onCompletedFut;
      } catch (err) {
        if (!(err instanceof CancelledError)) throw err;
        if (!this.#aborting) {
          // The parent task is cancelled while the tasks still run.
          propagateCancellationError = { error: err };
          this.#abort();
        }
      }
      this.#onCompletedFut = undefined;
    }
    if (this.#baseError !== undefined) throw this.#baseError;
    if (this.#parentCancelRequested) {
      // The group cancelled its parent: undo that, and drop the
      // CancelledError unless other cancellations are pending.
      if (this.#parentTask!.uncancel() === 0) propagateCancellationError = undefined;
    }
    // Other errors have priority over a CancelledError.
    const errors = this.#errors!;
    if (propagateCancellationError !== undefined && errors.length === 0) throw propagateCancellationError.error;
    if (failed && !(exc instanceof CancelledError)) errors.push(exc);
    if (errors.length > 0) {
      // A parent task cancelled from outside the group stays cancelled, with
      // a stable count: uncancel, then cancel again.
      if (this.#parentTask!.cancelling() > 0) {
        this.#parentTask!.uncancel();
        this.#parentTask!.cancel();
      }
      this.#errors = undefined;
      throw new ExceptionGroup("unhandled errors in a TaskGroup", errors);
    }
  }

  #abort(): void {
    this.#aborting = true;
    for (const t of this.#tasks) if (!t.done()) t.cancel();
  }

  // asyncio-ts's own callback: it needs no AsyncLocalStorage context of its own.
  readonly #onTaskDone = _internalCallback((task: Future<unknown>): void => {
    this.#tasks.delete(task as Task<unknown>);
    if (this.#onCompletedFut !== undefined && this.#tasks.size === 0 && !this.#onCompletedFut.done()) {
      this.#onCompletedFut.setResult(true);
    }
    if (task.cancelled() || !task._failed()) return;
    const exc = task.exception();
    this.#errors!.push(exc);
    if (exc instanceof KeyboardInterrupt) this.#baseError ??= exc;
    const parent = this.#parentTask!;
    if (parent.done()) {
      this.#loop!.callExceptionHandler({
        message: `Task ${task.toString()} has errored out but its parent task ${parent.toString()} is already completed`,
        exception: exc,
        task: task as Task<unknown>,
      });
      return;
    }
    if (!this.#aborting && !this.#parentCancelRequested) {
      // The parent task is not being cancelled: cancel it, to stop what the
      // body awaits now; #exit then undoes that cancel (uncancel()).
      this.#abort();
      this.#parentCancelRequested = true;
      parent.cancel();
    }
  });
}

/**
 * Runs `body` with a new {@link TaskGroup} and waits for every task it
 * creates; returns the body's value. When a task fails, the other tasks and
 * the body are cancelled, and the failures are thrown together as an
 * {@link ExceptionGroup}. Cancelling the awaiting task cancels the group's
 * tasks. CPython's `async with asyncio.TaskGroup() as tg:`.
 *
 * @returns a lazy Coroutine of the body's value: await it.
 * @throws {ExceptionGroup} when tasks of the group (or the body) failed.
 * @throws AbortError (a DOMException) when `options.signal` aborts first.
 * @throws {RuntimeError} outside a task.
 * @example
 * ```ts
 * const [a, b] = await taskGroup(async (tg) => {
 *   const a = tg.createTask(() => fetchUser(1));
 *   const b = tg.createTask(() => fetchUser(2));
 *   return [a, b];
 * });
 * console.log(a.result(), b.result()); // both done here
 * ```
 */
export function taskGroup<T>(body: TaskGroupBody<T>, options: TaskGroupOptions = {}): Coroutine<Awaited<T>> {
  return new TaskGroup().run(body, options);
}
