/**
 * The task dump: what `asyncio-ts ps` and `asyncio-ts pstree` show of a
 * process, as JSON (asyncio-ts's own; the data CPython 3.14's
 * `_remote_debugging.RemoteUnwinder.get_all_awaited_by()` reads from outside).
 *
 * Stand-in: names and ids only, until the task graph describes what each task
 * awaits and who awaits it.
 *
 * @module
 */

import { threadId } from "node:worker_threads";
import type { EventLoop } from "../loop/event-loop.js";
import type { Task } from "../tasks/task.js";

/** The tasks of a process's inspectable loops. */
export interface TaskDump {
  pid: number;
  /** process.version */
  node: string;
  loops: LoopDump[];
}

/** One loop's tasks. */
export interface LoopDump {
  /** worker_threads threadId (0 = main thread). */
  thread: number;
  /** Every task not done, in creation order. */
  tasks: TaskInfo[];
}

/** One task. */
export interface TaskInfo {
  id: number;
  name: string;
  state: "pending" | "running" | "cancelling";
  /** The body's name: "main()". */
  coro: string;
  /** What it waits on now; "" when running or ready to run. */
  awaits: string;
  createdAt?: string;
  /** Innermost first. */
  stack: string[];
  awaitedBy: AwaiterInfo[];
}

/** A task that awaits another, and where. */
export interface AwaiterInfo {
  taskId: number;
  /** Innermost first. */
  stack: string[];
}

const ids = new WeakMap<Task<unknown>, number>();
let lastId = 0;

function idOf(task: Task<unknown>): number {
  let id = ids.get(task);
  if (id === undefined) ids.set(task, (id = ++lastId));
  return id;
}

/** @internal Describes the tasks of `loops`. */
export function _dumpTasks(loops: Iterable<EventLoop>): TaskDump {
  const out: LoopDump[] = [];
  for (const loop of loops) {
    out.push({
      thread: threadId,
      tasks: loop._tasks().map((task) => ({
        id: idOf(task),
        name: task.getName(),
        state: "pending",
        coro: "",
        awaits: "",
        stack: [],
        awaitedBy: [],
      })),
    });
  }
  return { pid: process.pid, node: process.version, loops: out };
}
