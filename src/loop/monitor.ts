/**
 * The loop's monitor: the one optional object (`EventLoop._monitor`) that
 * debug mode's slow-step warning (slow-callback.ts) and the trace recorder
 * (debug/trace.ts) are told through, at the points where handles run and
 * tasks are created, run, wait, are cancelled and end. With neither debug
 * mode nor a trace, the loop and its tasks read the field, find nothing, and
 * do nothing more.
 *
 * asyncio-ts's own: CPython's debug mode times handles inside `_run_once`,
 * and it records no trace.
 *
 * @module
 */

import type { EventLoop } from "./event-loop.js";
import type { _Runnable } from "./handles.js";

/**
 * What a monitor is told of a task (a Task; this layer names no Task, so
 * a monitor above it narrows the type).
 */
export interface MonitoredTask {
  toString(): string;
  readonly _source?: string | undefined;
}

/** @internal What the loop and its tasks tell a monitor. */
export interface _LoopMonitor {
  /** Runs a handle of the loop's batch (the monitor may time it). */
  runHandle(handle: _Runnable, loop: EventLoop): void;
  /** The batch of a loop turn finished; the steps it resumed run next. */
  turnEnded(): void;
  /** A task was made; `eager`: its first step runs now, inside createTask. */
  taskCreated(task: MonitoredTask, eager: boolean): void;
  /** A task starts running: its first step, or resumed after an await. */
  stepStarted(task: MonitoredTask): void;
  /** The task's code awaits `awaited` (an asyncio-ts Future), pending: its step is over. */
  taskSuspended(task: MonitoredTask, awaited: object): void;
  /** `task.cancel(msg)` was called while the task was not done. */
  cancelRequested(task: MonitoredTask, msg: string | undefined): void;
  /** The task is done: it has its result, exception, or is cancelled. */
  taskDone(task: MonitoredTask): void;
  /** The loop is closed. */
  close(): void;
}

/** @internal Debug mode and a trace at once: each is told everything. */
export class _MonitorPair implements _LoopMonitor {
  readonly #first: _LoopMonitor;
  readonly #second: _LoopMonitor;

  constructor(first: _LoopMonitor, second: _LoopMonitor) {
    this.#first = first;
    this.#second = second;
  }

  // The handle runs once, inside the first monitor.
  runHandle(handle: _Runnable, loop: EventLoop): void {
    this.#first.runHandle(handle, loop);
  }

  turnEnded(): void {
    this.#first.turnEnded();
    this.#second.turnEnded();
  }

  taskCreated(task: MonitoredTask, eager: boolean): void {
    this.#first.taskCreated(task, eager);
    this.#second.taskCreated(task, eager);
  }

  stepStarted(task: MonitoredTask): void {
    this.#first.stepStarted(task);
    this.#second.stepStarted(task);
  }

  taskSuspended(task: MonitoredTask, awaited: object): void {
    this.#first.taskSuspended(task, awaited);
    this.#second.taskSuspended(task, awaited);
  }

  cancelRequested(task: MonitoredTask, msg: string | undefined): void {
    this.#first.cancelRequested(task, msg);
    this.#second.cancelRequested(task, msg);
  }

  taskDone(task: MonitoredTask): void {
    this.#first.taskDone(task);
    this.#second.taskDone(task);
  }

  close(): void {
    this.#first.close();
    this.#second.close();
  }
}
