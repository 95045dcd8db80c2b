/**
 * Handle and TimerHandle: a callback scheduled on the event loop.
 *
 * Port of CPython 3.13 Lib/asyncio/events.py `Handle`, `TimerHandle`. As
 * CPython's Handle carries a contextvars context, a user's callback carries
 * the AsyncLocalStorage contexts it was scheduled from and runs in them,
 * outside any task.
 *
 * @module
 */

import { AsyncResource } from "node:async_hooks";
import type { EventLoop } from "./event-loop.js";
import { _taskStorage } from "../core/step.js";

/**
 * @internal The AsyncLocalStorage contexts of a moment. An AsyncResource
 * carries them for about 0.05 µs; `AsyncLocalStorage.snapshot()`, which
 * wraps one in a bound function, costs 3-8 µs (docs/benchmarks.md).
 */
export type _Context = AsyncResource;

/** @internal The AsyncLocalStorage contexts current now. */
export function _captureContext(): _Context {
  return new AsyncResource("asyncio-ts.Callback");
}

/**
 * @internal Calls a user's callback in `context`, outside any task: a
 * callback scheduled from a task's code is not part of that task (CPython
 * runs it with no current task).
 */
export function _callInContext(context: _Context, fn: (a: any, b: any) => void, a: unknown, b: unknown): void {
  context.runInAsyncScope(callOutsideTask, null, fn, a, b);
}

function callOutsideTask(fn: (a: any, b: any) => void, a: unknown, b: unknown): void {
  if (_taskStorage.getStore() === undefined) fn(a, b);
  else _taskStorage.exit(fn, a, b);
}

/**
 * @internal What the loop's ready queue holds: a Handle, or a Task waiting
 * for its first step (a Task is its own start handle).
 */
export interface _Runnable {
  _run(loop: EventLoop): void;
  /** A task's step: debug mode times it as the task's, not as a callback. */
  readonly _step: boolean;
  readonly _source?: string | undefined;
  toString(): string;
}

/** A callback scheduled by `loop.callSoon()`; `cancel()` stops it from running. */
export class Handle {
  /** @internal */ _callback: ((arg: any, arg2: any) => void) | undefined;
  /** @internal */ _arg: unknown;
  /** @internal */ _arg2: unknown = undefined;
  /** @internal */ _cancelled = false;
  /** @internal */ readonly _loop: EventLoop;
  /** @internal Where it was scheduled, in debug mode. */ _source: string | undefined;
  /** @internal A task's first step: debug mode times it as the task's, not as a callback. */ _step = false;
  /** @internal A user's callback runs in the contexts it was scheduled from, outside any task. */
  _context: _Context | undefined = undefined;

  /** Handles are made by the loop: `callSoon()`, `callLater()`, `callAt()`. */
  protected constructor(callback: (arg: any, arg2: any) => void, arg: unknown, loop: EventLoop) {
    this._callback = callback;
    this._arg = arg;
    this._loop = loop;
  }

  /** @internal */
  static _new(callback: (arg: any, arg2: any) => void, arg: unknown, loop: EventLoop): Handle {
    return new Handle(callback, arg, loop);
  }

  /** Stops the callback from running, if it has not run yet. */
  cancel(): void {
    if (!this._cancelled) {
      this._cancelled = true;
      this._callback = undefined;
      this._arg = undefined;
      this._arg2 = undefined;
    }
  }

  /** True once `cancel()` was called. */
  cancelled(): boolean {
    return this._cancelled;
  }

  /** @internal */
  _run(): void {
    const callback = this._callback;
    if (callback === undefined) return;
    try {
      if (this._context === undefined) callback(this._arg, this._arg2);
      else _callInContext(this._context, callback, this._arg, this._arg2);
    } catch (exception) {
      this._loop.callExceptionHandler({
        message: _callbackFailed(callback),
        exception,
        handle: this,
        ...(this._source === undefined ? {} : { sourceTraceback: this._source }),
      });
    }
  }

  toString(): string {
    const name = this._callback?.name || "<anonymous>";
    const state = this._cancelled ? " cancelled" : "";
    return `<Handle${state} ${name}()>`;
  }
}

/**
 * @internal The exception handler's message for a callback that threw, in
 * CPython's words: `Exception in callback cb()`, the callback, not its
 * Handle; `args` is what goes between the parentheses.
 */
export function _callbackFailed(fn: Function, args = ""): string {
  return `Exception in callback ${fn.name || "<anonymous>"}(${args})`;
}

/**
 * @internal One of asyncio-ts's own callbacks in the ready queue (a
 * Future's done callback, a sleep(0)'s turn): never cancelled, never given
 * to the user, run outside any context of its own, so it holds only the
 * function and its two arguments.
 */
export class _LoopCallback implements _Runnable {
  constructor(
    readonly fn: (arg: any, arg2: any) => void,
    readonly arg: unknown,
    readonly arg2: unknown,
  ) {}

  get _step(): boolean {
    return false;
  }

  get _source(): string | undefined {
    return undefined;
  }

  _run(loop: EventLoop): void {
    try {
      this.fn(this.arg, this.arg2);
    } catch (exception) {
      loop.callExceptionHandler({ message: _callbackFailed(this.fn), exception });
    }
  }

  toString(): string {
    return `<Handle ${this.fn.name || "<anonymous>"}()>`;
  }
}

/** A callback scheduled for a time by `loop.callAt()` or `loop.callLater()`. */
export class TimerHandle extends Handle {
  /** @internal Tie-breaker: equal deadlines run in scheduling order. */ readonly _seq: number;
  /** @internal The deadline; a plain field, read by the timer heap's comparisons. */ readonly _when: number;

  /** Timer handles are made by the loop: `callLater()`, `callAt()`. */
  protected constructor(when: number, callback: (arg: any) => void, arg: unknown, loop: EventLoop, seq: number) {
    super(callback, arg, loop);
    this._when = when;
    this._seq = seq;
  }

  /** @internal */
  static _newTimer(
    when: number,
    callback: (arg: any) => void,
    arg: unknown,
    loop: EventLoop,
    seq: number,
  ): TimerHandle {
    return new TimerHandle(when, callback, arg, loop, seq);
  }

  /** The loop time, in seconds, at which the callback is due. */
  when(): number {
    return this._when;
  }

  override cancel(): void {
    if (!this._cancelled) {
      super.cancel();
      this._loop._timerCancelled();
    }
  }

  override toString(): string {
    const name = this._callback?.name || "<anonymous>";
    const state = this._cancelled ? " cancelled" : "";
    return `<TimerHandle${state} when=${this._when} ${name}()>`;
  }
}
