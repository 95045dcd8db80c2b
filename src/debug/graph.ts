/**
 * The task tree: which task awaits which (directly, or through gather(),
 * a TaskGroup, shield(), wait(), waitFor(), asCompleted() and map()), and
 * what each task awaits now.
 *
 * Port of CPython 3.14 Lib/asyncio/graph.py (`capture_call_graph`,
 * `format_call_graph`, `print_call_graph`). Differs:
 * - CPython records, as tasks await, which tasks await each Future
 *   (`_asyncio_awaited_by`). asyncio-ts records nothing while no one asks:
 *   the relation is computed when asked, from what every task of the loop
 *   waits on now (Task._waiters, followed through each Future's
 *   `_awaitedParts`: gather()'s children, shield()'s inner Future, ...) and
 *   from the TaskGroups entered (a group's tasks count as awaited by its
 *   parent task from their creation on, as in CPython).
 * - A JavaScript engine cannot walk a suspended async function's frames. A
 *   waiting task's call stack is therefore what it awaits (`kind: "awaits"`)
 *   and the function it runs; only the current task's stack has real frames,
 *   from V8's async stack trace.
 *
 * @module
 */

import { threadId } from "node:worker_threads";
import { RuntimeError, show, typeError } from "../errors.js";
import { Future } from "../futures.js";
import type { EventLoop } from "../loop/event-loop.js";
import { _getRunningLoop } from "../loop/running-loop.js";
import { currentTask } from "../tasks/current-task.js";
import { Task } from "../tasks/task.js";
import { _liveTaskGroups } from "../tasks/taskgroup.js";
import { _isOwnFrame, _siteLine } from "./origin.js";

/** One entry of a call stack in a {@link FutureCallGraph}. */
export interface FrameCallGraphEntry {
  /**
   * A function's name ("main"), or, for `kind: "awaits"`, what the task
   * awaits: "sleep()", "Lock.acquire()", "gather()", "Task-3",
   * "toThread job 4 on worker thread 2" (its threadId), "a foreign promise".
   */
  readonly name: string;
  /**
   * "sync": a frame of the running stack; "async": an async function (one
   * the running code was called from, or the function a task runs);
   * "awaits": what a waiting task awaits.
   */
  readonly kind: "sync" | "async" | "awaits";
  /** "file:line:column" of a frame of the running stack; undefined for the others. */
  readonly location: string | undefined;
}

/** A Future (or Task), its call stack, and the graphs of the tasks that await it. */
export interface FutureCallGraph {
  readonly future: Future<unknown>;
  /** Innermost first, as CPython's. Empty for a Future that is not a Task. */
  readonly callStack: readonly FrameCallGraphEntry[];
  readonly awaitedBy: readonly FutureCallGraph[];
}

/** Options of {@link captureCallGraph}, {@link formatCallGraph} and {@link printCallGraph}. */
export interface CallGraphOptions {
  /**
   * For the current task: how many frames of the running stack to skip,
   * counting from the caller of captureCallGraph (1, the default, keeps it).
   */
  depth?: number;
}

/** Options of {@link formatCallGraph} and {@link printCallGraph}. */
export interface FormatCallGraphOptions extends CallGraphOptions {
  /** At most this many entries of each call stack (the innermost); default: all. */
  limit?: number;
}

/** Options of {@link printCallGraph}. */
export interface PrintCallGraphOptions extends FormatCallGraphOptions {
  /** Where to write; default: process.stdout. */
  file?: { write(text: string): unknown };
}

/**
 * The call graph of `future` (default: the current task): its call stack
 * and, recursively, the tasks that await it. Returns undefined when no
 * future is given and no task is running.
 *
 * @throws {RuntimeError} with no future given, outside a running loop.
 * @throws {TypeError} for something that is not an asyncio-ts Future.
 * @example
 * ```ts
 * const graph = captureCallGraph(task);
 * console.log(graph?.awaitedBy.map((g) => (g.future as Task).getName()));
 * ```
 */
export function captureCallGraph(
  future?: Future<unknown>,
  options: CallGraphOptions = {},
): FutureCallGraph | undefined {
  const depth = checkDepth(options.depth, "captureCallGraph()");
  return capture(future, depth, "captureCallGraph()");
}

/**
 * The call graph of `future` (default: the current task) as text, as
 * CPython's `format_call_graph`; "" when there is no current task.
 */
export function formatCallGraph(future?: Future<unknown>, options: FormatCallGraphOptions = {}): string {
  const depth = checkDepth(options.depth, "formatCallGraph()");
  const limit = options.limit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw typeError(`formatCallGraph() limit must be a whole number of at least 0, got ${show(limit)}`);
  }
  const graph = capture(future, depth, "formatCallGraph()");
  if (graph === undefined) return "";
  const lines: string[] = [];
  render(graph, lines, 0, limit);
  return lines.join("\n");
}

/**
 * Prints the call graph of `future` (default: the current task), as
 * CPython's `print_call_graph`: nothing when there is no current task.
 *
 * @example
 * ```ts
 * printCallGraph(stuckTask);
 * // * Task(name='worker-2', id=3, state=pending)
 * //   + Call stack:
 * //   |   awaits Lock.acquire()
 * //   |   async worker()
 * //   + Awaited by:
 * //     * Task(name='Task-1', id=1, state=pending)
 * // ...
 * ```
 */
export function printCallGraph(future?: Future<unknown>, options: PrintCallGraphOptions = {}): void {
  const { file, ...rest } = options;
  if (file !== undefined && typeof (file as { write?: unknown }).write !== "function") {
    throw typeError(`printCallGraph() file must have a write(text) method, such as process.stderr, got ${show(file)}`);
  }
  // asyncio-ts's own frames are left out: depth counts from the caller here too.
  const text = formatCallGraph(future, rest);
  if (text !== "") (file ?? process.stdout).write(text + "\n");
}

function checkDepth(depth: number | undefined, what: string): number {
  if (depth === undefined) return 1;
  if (!Number.isInteger(depth) || depth < 1) {
    throw typeError(`${what} depth must be a whole number of at least 1, got ${show(depth)}`);
  }
  return depth;
}

function capture(future: Future<unknown> | undefined, depth: number, what: string): FutureCallGraph | undefined {
  const loop = _getRunningLoop();
  if (future === undefined) {
    if (loop === undefined) {
      throw new RuntimeError(
        `${what} is called outside of a running event loop and no future to introspect was given: pass a Task or Future`,
      );
    }
    future = currentTask(loop);
    if (future === undefined) return undefined;
  } else if (!(future instanceof Future)) {
    throw typeError(
      `${what} expects an asyncio-ts Future or Task, got ${show(future)}: pass the Task that createTask() returned`,
    );
  }
  // The running stack, for the current task: frames of asyncio-ts skipped,
  // then depth - 1 frames more (depth 1 keeps the caller).
  const running = future === currentTask(future.getLoop()) ? runningStack(depth - 1) : undefined;
  return new Graph(future.getLoop()).build(future, running, new Set());
}

/** What the tasks of one loop await, computed once for a capture or a dump. */
class Graph {
  readonly #awaitedBy = new Map<Future<unknown>, Task<unknown>[]>();
  readonly #current: Task<unknown> | undefined;

  constructor(loop: EventLoop) {
    this.#current = currentTask(loop);
    for (const task of loop._tasks()) {
      if (task.done()) continue;
      const seen = new Set<Future<unknown>>();
      for (const waiter of task._waiters()) this.#follow(waiter, task, seen);
    }
    for (const group of _liveTaskGroups(loop)) {
      const [parent, tasks] = group._members();
      for (const task of tasks) this.#add(task, parent);
    }
  }

  /** The tasks that await `future`, in the loop's order of tasks. */
  awaitersOf(future: Future<unknown>): readonly Task<unknown>[] {
    return this.#awaitedBy.get(future) ?? [];
  }

  build(
    future: Future<unknown>,
    running: FrameCallGraphEntry[] | undefined,
    path: Set<Future<unknown>>,
  ): FutureCallGraph {
    path.add(future);
    const awaitedBy: FutureCallGraph[] = [];
    for (const task of this.awaitersOf(future)) {
      // A cycle (tasks awaiting each other) stops at the task seen on this path.
      if (!path.has(task)) awaitedBy.push(this.build(task, undefined, path));
    }
    path.delete(future);
    return { future, callStack: running ?? this.stackOf(future), awaitedBy };
  }

  /** A task's call stack as far as it can be seen: what it awaits, then the function it runs. */
  stackOf(future: Future<unknown>): FrameCallGraphEntry[] {
    if (!(future instanceof Task)) return [];
    const stack: FrameCallGraphEntry[] = [];
    if (!future.done() && future !== this.#current) {
      const waiters = future._waiters();
      for (const waiter of waiters) stack.push({ name: waiter._describe(), kind: "awaits", location: undefined });
      if (waiters.length === 0 && future._started()) {
        stack.push({ name: "a foreign promise", kind: "awaits", location: undefined });
      }
    }
    stack.push({ name: future._bodyName(), kind: "async", location: undefined });
    return stack;
  }

  #follow(future: Future<unknown>, task: Task<unknown>, seen: Set<Future<unknown>>): void {
    if (seen.has(future)) return;
    seen.add(future);
    if (future !== task) this.#add(future, task);
    const parts = future._awaitedParts();
    if (parts !== undefined) for (const part of parts) this.#follow(part, task, seen);
  }

  #add(future: Future<unknown>, task: Task<unknown>): void {
    const tasks = this.#awaitedBy.get(future);
    if (tasks === undefined) this.#awaitedBy.set(future, [task]);
    else if (!tasks.includes(task)) tasks.push(task);
  }
}

const FRAME = /^\s*at (?:(async) )?(?:(.*?) \((.*)\)|(.*))$/;

/** The running stack, innermost first, without asyncio-ts's frames and `skip` frames more. */
function runningStack(skip: number): FrameCallGraphEntry[] {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 200;
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  const entries: FrameCallGraphEntry[] = [];
  for (const line of stack.split("\n").slice(1)) {
    const m = FRAME.exec(line);
    if (m === null) continue;
    const location = m[3] ?? m[4] ?? "";
    // The library's frames, Node's, and built-in functions (gen.next, Array.map).
    if (location.startsWith("node:") || location === "<anonymous>" || _isOwnFrame(location)) continue;
    if (skip > 0) {
      skip--;
      continue;
    }
    entries.push({ name: m[2] ?? "<anonymous>", kind: m[1] === "async" ? "async" : "sync", location });
  }
  return entries;
}

// Port of CPython 3.14 Lib/asyncio/graph.py `format_call_graph`'s render_level.
function render(graph: FutureCallGraph, lines: string[], level: number, limit: number | undefined): void {
  const add = (line: string): void => {
    lines.push("    ".repeat(level) + line);
  };
  const future = graph.future;
  // asyncio-ts's own: the state, which CPython's lines leave out.
  if (future instanceof Task) {
    add(`* Task(name=${show(future.getName())}, id=${_taskId(future)}, state=${_stateOf(future)})`);
  } else {
    add(`* Future(${future._describe()}, state=${_stateOf(future)})`);
  }
  const stack = limit === undefined ? graph.callStack : graph.callStack.slice(0, limit);
  if (stack.length > 0) {
    add("  + Call stack:");
    for (const entry of stack) {
      const name = `${entry.kind === "async" ? "async " : ""}${entry.name}()`;
      if (entry.kind === "awaits") add(`  |   awaits ${entry.name}`);
      else if (entry.location === undefined) add(`  |   ${name}`);
      else add(`  |   File ${show(entry.location)}, in ${name}`);
    }
  }
  // In debug mode, where the task was created (asyncio-ts's own line).
  if (future._source !== undefined) add(`  + Created at: ${_siteLine(future._source)}`);
  if (graph.awaitedBy.length > 0) {
    add("  + Awaited by:");
    for (const parent of graph.awaitedBy) render(parent, lines, level + 1, limit);
  }
}

/**
 * @internal "pending", "running" (the current task), "cancelling", or how
 * it ended: "finished", "cancelled", "failed". The tree and the trace say it.
 */
export function _stateOf(future: Future<unknown>): string {
  if (future.done()) return future.cancelled() ? "cancelled" : future._failed() ? "failed" : "finished";
  if (!(future instanceof Task)) return "pending";
  if (future === currentTask(future.getLoop())) return "running";
  return future.cancelling() > 0 ? "cancelling" : "pending";
}

// Task ids for the dump and the printed graph: 1, 2, ... in the order they
// are first asked for, stable for the life of the process.
const taskIds = new WeakMap<Task<unknown>, number>();
let lastTaskId = 0;

/** @internal A task's id in the printed graph and the task dump. */
export function _taskId(task: Task<unknown>): number {
  let id = taskIds.get(task);
  if (id === undefined) taskIds.set(task, (id = ++lastTaskId));
  return id;
}

/** @internal What `asyncio-ts ps` and `pstree` read from a process: see src/debug/inspect.ts. */
export interface TaskDump {
  pid: number;
  node: string;
  loops: LoopDump[];
}

/** @internal One loop of a {@link TaskDump}. */
export interface LoopDump {
  /** The worker_threads threadId of the loop's thread (0: the main thread). */
  thread: number;
  /** Every task not done, in creation order. */
  tasks: TaskInfo[];
}

/** @internal One task of a {@link LoopDump}. */
export interface TaskInfo {
  id: number;
  name: string;
  state: "pending" | "running" | "cancelling";
  /** The function it runs: "main()". */
  coro: string;
  /** What it waits on now; "" when it runs or waits for its first step. */
  awaits: string;
  /** Where it was created (debug mode). */
  createdAt?: string;
  /** Innermost first: what it awaits, then the function it runs. */
  stack: string[];
  /** The tasks that await it, each with its own stack. */
  awaitedBy: AwaiterInfo[];
}

/** @internal An awaiting task of a {@link TaskInfo}. */
export interface AwaiterInfo {
  taskId: number;
  stack: string[];
}

/** @internal Every task of `loops` that is not done, and who awaits it (the inspect channel's answer). */
export function _dumpTasks(loops: Iterable<EventLoop>): TaskDump {
  const dump: TaskDump = { pid: process.pid, node: process.version, loops: [] };
  for (const loop of loops) {
    const graph = new Graph(loop);
    const stackText = (task: Task<unknown>): string[] =>
      graph.stackOf(task).map((e) => (e.kind === "awaits" ? e.name : `${e.name}()`));
    const tasks: TaskInfo[] = [];
    for (const task of loop._tasks()) {
      if (task.done()) continue;
      const stack = graph.stackOf(task);
      const info: TaskInfo = {
        id: _taskId(task),
        name: task.getName(),
        state: _stateOf(task) as TaskInfo["state"],
        coro: `${task._bodyName()}()`,
        awaits: stack
          .filter((e) => e.kind === "awaits")
          .map((e) => e.name)
          .join(", "),
        stack: stackText(task),
        awaitedBy: graph.awaitersOf(task).map((t) => ({ taskId: _taskId(t), stack: stackText(t) })),
      };
      if (task._source !== undefined) info.createdAt = _siteLine(task._source);
      tasks.push(info);
    }
    dump.loops.push({ thread: threadId, tasks });
  }
  return dump;
}
