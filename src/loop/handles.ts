/**
 * Handle and TimerHandle: a callback scheduled on the event loop.
 *
 * Port of CPython 3.11 Lib/asyncio/events.py `Handle`, `TimerHandle`.
 *
 * @module
 */

import type { EventLoop } from "./event-loop.js";

/** A callback scheduled by `loop.callSoon()`; `cancel()` stops it from running. */
export class Handle {
  /** @internal */ _callback: ((arg: any, arg2: any) => void) | undefined;
  /** @internal */ _arg: unknown;
  /** @internal */ _arg2: unknown = undefined;
  /** @internal */ _cancelled = false;
  /** @internal */ readonly _loop: EventLoop;
  /** @internal Where it was scheduled, in debug mode. */ _source: string | undefined;
  /** @internal A task's first step: debug mode times it as the task's, not as a callback. */ _step = false;
  /** @internal A user's callback: it runs outside any task's context. */ _user = false;

  /** @internal */
  constructor(callback: (arg: any, arg2: any) => void, arg: unknown, loop: EventLoop) {
    this._callback = callback;
    this._arg = arg;
    this._loop = loop;
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
      callback(this._arg, this._arg2);
    } catch (exception) {
      this._loop.callExceptionHandler({
        message: `Exception in callback ${this.toString()}`,
        exception,
        handle: this,
      });
    }
  }

  toString(): string {
    const name = this._callback?.name || "<anonymous>";
    const state = this._cancelled ? " cancelled" : "";
    return `<Handle${state} ${name}()>`;
  }
}

/** A callback scheduled for a time by `loop.callAt()` or `loop.callLater()`. */
export class TimerHandle extends Handle {
  /** @internal Position in the timer heap, -1 when not in it. */ _index = -1;
  /** @internal Tie-breaker: equal deadlines run in scheduling order. */ readonly _seq: number;
  /** @internal The deadline; a plain field, read by the timer heap's comparisons. */ readonly _when: number;

  /** @internal */
  constructor(when: number, callback: (arg: any) => void, arg: unknown, loop: EventLoop, seq: number) {
    super(callback, arg, loop);
    this._when = when;
    this._seq = seq;
  }

  /** The loop time, in seconds, at which the callback is due. */
  when(): number {
    return this._when;
  }

  override cancel(): void {
    if (!this._cancelled) {
      super.cancel();
      this._loop._timerCancelled(this);
    }
  }

  override toString(): string {
    const name = this._callback?.name || "<anonymous>";
    const state = this._cancelled ? " cancelled" : "";
    return `<TimerHandle${state} when=${this._when} ${name}()>`;
  }
}
