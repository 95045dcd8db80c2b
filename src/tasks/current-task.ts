/**
 * The current task, found with AsyncLocalStorage: a task's body runs inside
 * `storage.run(task, …)`, so plain async helpers it calls inherit it.
 *
 * Port of CPython 3.13 Lib/asyncio/tasks.py `current_task`, `all_tasks`.
 * Differs: CPython keeps a dict of the task each loop is stepping; here the
 * task travels with the async context (docs/differences.md, "Cancellation
 * arrives at asyncio-ts awaits"). `run`, never `enterWith`, whose behaviour
 * differs across Node versions.
 *
 * @module
 */

import { _runningTask } from "../core/step.js";
import type { Task } from "./task.js";
import type { EventLoop } from "../loop/event-loop.js";
import { getRunningLoop } from "../loop/running-loop.js";

/**
 * The task whose code is running, or undefined outside any task (in a
 * callback scheduled with `callSoon`, say).
 *
 * @param loop - Only a task of this loop counts; default: the running loop.
 * @throws {RuntimeError} with no loop given and none running, as CPython.
 * @example
 * ```ts
 * await run(async () => { console.log(currentTask()?.getName()); }); // Task-1
 * ```
 */
export function currentTask(loop?: EventLoop): Task<unknown> | undefined {
  const want = loop ?? getRunningLoop();
  const task = _runningTask() as Task<unknown> | undefined;
  return task !== undefined && task.getLoop() === want ? task : undefined;
}

/**
 * The tasks of the loop that are not done yet.
 *
 * @throws {RuntimeError} outside a running loop when no loop is given.
 */
export function allTasks(loop?: EventLoop): Set<Task<unknown>> {
  const tasks = new Set<Task<unknown>>();
  for (const task of (loop ?? getRunningLoop())._tasks()) if (!task.done()) tasks.add(task);
  return tasks;
}
