/**
 * Debug mode's slow-callback warning: a callback or a task step that blocks
 * the loop for `loop.slowCallbackDuration` (0.1 s) or longer is logged with
 * its name.
 *
 * Port of CPython 3.13 Lib/asyncio/base_events.py `_run_once` (debug branch).
 * Differs: a task's code runs in promise jobs after the loop callback that
 * resumed it, not inside a Handle, so a task step is timed from its resume to
 * the next thing that starts (another step, its next await of an asyncio-ts
 * awaitable, or the end of the turn's promise jobs). Code of a foreign
 * promise that runs in between counts toward the step before it.
 *
 * @module
 */

import type { EventLoop } from "./event-loop.js";
import type { _Runnable } from "./handles.js";
import type { MonitoredTask, _LoopMonitor } from "./monitor.js";

/**
 * @internal Debug mode's monitor (monitor.ts): logs slow callbacks and task
 * steps, with where each was created (Future's constructor records that).
 */
export class _SlowStepMonitor implements _LoopMonitor {
  readonly #loop: EventLoop;
  #task: MonitoredTask | undefined;
  #start = 0;
  #sweep: NodeJS.Immediate | undefined;

  constructor(loop: EventLoop) {
    this.#loop = loop;
  }

  runHandle(handle: _Runnable, loop: EventLoop): void {
    if (handle._step) {
      handle._run(loop);
      return;
    }
    const t0 = this.#loop._now();
    handle._run(loop);
    const dt = this.#loop._now() - t0;
    if (dt >= this.#loop.slowCallbackDuration) {
      console.warn(`Executing ${handle.toString()} took ${dt.toFixed(3)} seconds${source(handle._source)}`);
    }
  }

  /** A new task: nothing to do, as Future's constructor records where it was made in debug mode. */
  taskCreated(): void {}

  /** A task starts running (its first step, or resumed after an await). */
  stepStarted(task: MonitoredTask): void {
    this.#end();
    this.#task = task;
    this.#start = this.#loop._now();
  }

  /** The task awaits again. */
  taskSuspended(task: MonitoredTask): void {
    if (this.#task === task) this.#end();
  }

  /** The task finished. */
  taskDone(task: MonitoredTask): void {
    if (this.#task === task) this.#end();
  }

  cancelRequested(): void {}

  /** The loop callback finished; the steps it resumed run next, then this sweep. */
  turnEnded(): void {
    this.#sweep ??= setImmediate(() => {
      this.#sweep = undefined;
      this.#end();
    });
  }

  close(): void {
    if (this.#sweep !== undefined) clearImmediate(this.#sweep);
    this.#sweep = undefined;
    this.#task = undefined;
  }

  #end(): void {
    const task = this.#task;
    if (task === undefined) return;
    this.#task = undefined;
    const dt = this.#loop._now() - this.#start;
    if (dt >= this.#loop.slowCallbackDuration) {
      console.warn(`Executing ${task.toString()} took ${dt.toFixed(3)} seconds${source(task._source)}`);
    }
  }
}

function source(site: string | undefined): string {
  return site ? `\ncreated at:\n  ${site.split("\n").join("\n  ")}` : "";
}
