/**
 * The `limit` option of gather() and asCompleted(): their async functions
 * and Coroutines become Tasks at most `limit` at a time, in argument order.
 *
 * asyncio-ts's own (CPython bounds them with a Semaphore inside each
 * coroutine, which creates every task at once). Until its turn, such an
 * argument is a {@link _LimitedFuture}: cancelling it then means the Task is
 * never created; once started, it follows its Task.
 *
 * @module
 */

import { rangeError, show } from "../errors.js";
import { Future } from "../futures.js";
import type { EventLoop } from "../loop/event-loop.js";
import { type Task, type TaskBody, _newTask } from "./task.js";

/** @internal Checks a `limit` option: a whole number of at least 1, or undefined for none. */
export function _checkLimit(limit: unknown, what: string): number | undefined {
  if (limit === undefined || limit === Infinity) return undefined;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1) {
    throw rangeError(
      `${what} limit must be a whole number of at least 1, got ${show(limit)}: leave it out for no limit`,
    );
  }
  return limit;
}

/**
 * @internal A call of gather() or asCompleted() waiting for room: a Future
 * that becomes its Task's outcome. Cancelled before its turn, the Task is
 * never created; after, cancel() cancels the Task.
 */
export class _LimitedFuture<T> extends Future<T> {
  _body: TaskBody<unknown> | undefined;
  _task: Task<unknown> | undefined = undefined;

  constructor(body: TaskBody<unknown>, loop: EventLoop) {
    super({ loop });
    this._body = body;
  }

  override cancel(msg?: string): boolean {
    if (this.done()) return false;
    if (this._task !== undefined) return this._task.cancel(msg);
    this._body = undefined;
    return super.cancel(msg);
  }

  /** @internal */
  override _describe(): string {
    return this._task?._describe() ?? "a call waiting for room under its limit";
  }

  /** @internal */
  override _awaitedParts(): Iterable<Future<unknown>> | undefined {
    return this._task === undefined ? undefined : [this._task];
  }

  /** @internal Takes its Task's outcome. */
  _follow(task: Task<unknown>): void {
    if (this.done()) {
      if (!task.cancelled()) task.exception(); // Retrieved: this Future was cancelled meanwhile.
    } else if (task.cancelled()) {
      super.cancel(task._cancelMessage);
    } else if (task._failed()) {
      this.setException(task.exception());
    } else {
      this.setResult(task.result() as T);
    }
  }
}

/** @internal Starts the calls it is given as Tasks, at most `limit` at once, in order. */
export class _Limiter {
  readonly #loop: EventLoop;
  readonly #limit: number;
  readonly #waiting: _LimitedFuture<unknown>[] = [];
  #head = 0;
  #running = 0;
  #filling = false;

  constructor(loop: EventLoop, limit: number) {
    this.#loop = loop;
    this.#limit = limit;
  }

  /** A Future of `body`'s Task, made when there is room. */
  readonly add = (body: TaskBody<unknown>): Future<unknown> => {
    const fut = new _LimitedFuture<unknown>(body, this.#loop);
    this.#waiting.push(fut);
    this.#fill();
    return fut;
  };

  // Not re-entered: a Task that finishes inside createTask (eager) frees its
  // room for the loop here.
  #fill(): void {
    if (this.#filling) return;
    this.#filling = true;
    try {
      while (this.#running < this.#limit && this.#head < this.#waiting.length) {
        const fut = this.#waiting[this.#head]!;
        this.#waiting[this.#head++] = undefined as never;
        if (fut.done()) continue; // Cancelled before its turn.
        if (this.#loop._cancellingAll) {
          // run() is cancelling the tasks left, these among them.
          fut.cancel();
          continue;
        }
        const body = fut._body!;
        fut._body = undefined;
        this.#running++;
        const task = _newTask(this.#loop, body, {});
        fut._task = task;
        if (task.done()) this.#ended(fut, task);
        else task.addDoneCallback(() => this.#ended(fut, task));
      }
      if (this.#head === this.#waiting.length) {
        this.#waiting.length = 0;
        this.#head = 0;
      }
    } finally {
      this.#filling = false;
    }
  }

  #ended(fut: _LimitedFuture<unknown>, task: Task<unknown>): void {
    this.#running--;
    fut._follow(task);
    this.#fill();
  }
}
