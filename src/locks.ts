/**
 * Synchronization primitives: Lock, Event, Condition, Semaphore,
 * BoundedSemaphore, Barrier.
 *
 * Port of CPython 3.13 Lib/asyncio/locks.py, and of mixins.py's
 * `_LoopBoundMixin`: a primitive binds to the running loop the first time a
 * task has to wait on it, and refuses another loop after that. Fairness and
 * cancellation follow 3.13: waiters wake in FIFO order; a waiter woken and
 * cancelled before it runs passes the wake-up on (Lock `_wake_up_first`,
 * Semaphore `_wake_up_next`, the re-acquire loop of Condition.wait).
 *
 * Differs: what is an `async def` in CPython (`acquire()`, `wait()`,
 * `waitFor()`, Barrier's `reset()` and `abort()`) returns a lazy Coroutine,
 * which runs when awaited or made a Task, as a coroutine does; `async with
 * lock:` is `await lock.with(async () => ...)`, or `await lock.acquire();
 * await using _ = lock;` (docs/differences.md, "Synchronization
 * primitives").
 *
 * @module
 */

import { inspect } from "node:util";
import { CancelledError, RuntimeError, rangeError, show, typeError } from "./errors.js";
import { type Future, _LabelledFuture } from "./futures.js";
import type { EventLoop } from "./loop/event-loop.js";
import { _loopFor } from "./mixins.js";
import { Coroutine } from "./tasks/coroutine.js";
import { type SignalOptions, _abortable } from "./timeouts.js";

/**
 * The barrier was aborted or reset while a task waited at it, or is broken
 * (aborted) when a task starts waiting: from `barrier.wait()`. A
 * RuntimeError, as CPython's BrokenBarrierError.
 */
export class BrokenBarrierError extends RuntimeError {
  override readonly name: string = "BrokenBarrierError";
  override readonly code: string = "ERR_ASYNCIO_BROKEN_BARRIER";
}

// A function with the name a Coroutine shows (`<coroutine Lock.acquire()>`),
// as CPython's repr of the coroutine names the method.
function named<F extends (...args: any[]) => unknown>(name: string, fn: F): F {
  Object.defineProperty(fn, "name", { value: name });
  return fn;
}

function remove<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

// mixins.ts's _loopFor, with the primitives' advice.
function loopFor(owner: object, bound: EventLoop | undefined): EventLoop {
  return _loopFor(
    owner,
    bound,
    `it belongs to the run() where a task first waited on it; make a new ${owner.constructor.name} inside each run() that uses it`,
  );
}

/** What `with()` needs: acquire() and release(). */
interface Acquirable {
  acquire(): Coroutine<true>;
  release(): void;
}

// Port of _ContextManagerMixin: `async with prim:` as a callback.
function withHeld<T>(prim: Acquirable, body: () => T | PromiseLike<T>, what: string): Coroutine<Awaited<T>> {
  if (typeof body !== "function") {
    throw typeError(
      `${what}.with() expects the block as a function, got ${show(body)}: ${what[0]!.toLowerCase()}${what.slice(1)}.with(async () => { ... })`,
    );
  }
  const run = async (): Promise<Awaited<T>> => {
    await prim.acquire();
    try {
      return await body();
    } finally {
      prim.release();
    }
  };
  return new Coroutine(named(`${what}.with`, run));
}

const lockAcquire = named("Lock.acquire", (lock: Lock) => lock._acquire());

/**
 * A mutual-exclusion lock, not owned by a task: `acquire()` waits while it is
 * locked, `release()` unlocks it and lets the first waiter in (FIFO).
 *
 * @example
 * ```ts
 * const lock = new Lock();
 * await lock.with(async () => {
 *   // one task at a time here
 * });
 * ```
 */
export class Lock {
  /** @internal The Futures of the waiting acquire() calls, oldest first. */
  _waiters: Future<boolean>[] | undefined = undefined;
  /** @internal */
  _locked = false;
  #loop: EventLoop | undefined = undefined;

  /** @internal The running loop, which the lock binds to (`_LoopBoundMixin`). */
  _getLoop(): EventLoop {
    return (this.#loop = loopFor(this, this.#loop));
  }

  /** True if the lock is held. */
  locked(): boolean {
    return this._locked;
  }

  /**
   * Waits until the lock is unlocked, then locks it; resolves to true.
   * Waiters get the lock in the order they came; an unlocked lock with no
   * waiters is taken at once, without a loop turn.
   *
   * @returns a lazy Coroutine: await it, or pass it to createTask.
   */
  acquire(options?: SignalOptions): Coroutine<true> {
    return _abortable(new Coroutine(lockAcquire, [this]), options, "Lock.acquire()");
  }

  /** @internal The body of acquire(). */
  _acquire(): true | Promise<true> {
    // Fair: a new caller waits its turn. Jumping the queue if all waiters
    // are cancelled is an optimization.
    if (!this._locked && (this._waiters === undefined || this._waiters.every((w) => w.cancelled()))) {
      this._locked = true;
      return true;
    }
    return this._acquireWait();
  }

  /** @internal */
  async _acquireWait(): Promise<true> {
    const waiters = (this._waiters ??= []);
    const fut = new _LabelledFuture<boolean>(this._getLoop(), "acquire", undefined, this);
    waiters.push(fut);
    try {
      try {
        await fut;
      } finally {
        remove(waiters, fut);
      }
    } catch (err) {
      if (err instanceof CancelledError) {
        // The lock invariant: if the lock is not taken (nor about to be, by
        // us) and a task waits, the first waiter must wake.
        if (!this._locked) this._wakeUpFirst();
      }
      throw err;
    }
    this._locked = true;
    return true;
  }

  /**
   * Unlocks the lock, and lets the first waiting acquire() in.
   *
   * @throws {RuntimeError} if the lock is not locked.
   */
  release(): void {
    if (this._locked) {
      this._locked = false;
      this._wakeUpFirst();
    } else {
      throw new RuntimeError(
        "Lock is not acquired: call release() once for each acquire() that succeeded, or let lock.with(body) pair them",
      );
    }
  }

  /** @internal Makes sure that the first waiter wakes up. */
  _wakeUpFirst(): void {
    const fut = this._waiters?.[0];
    // done() means that the waiter is already set to wake up.
    if (fut !== undefined && !fut.done()) fut.setResult(true);
  }

  /**
   * Runs `body` holding the lock: acquires it, runs the body, and releases
   * it however the body ends (result, error or cancellation), as `async
   * with lock:` does.
   *
   * @returns a lazy Coroutine of the body's result.
   * @example
   * ```ts
   * const value = await lock.with(async () => readShared());
   * ```
   */
  with<T>(body: () => T | PromiseLike<T>): Coroutine<Awaited<T>> {
    return withHeld(this, body, "Lock");
  }

  /**
   * Releases the lock: for `await using`, after an acquire().
   *
   * @example
   * ```ts
   * await lock.acquire();
   * await using _ = lock; // released when the block ends, however it ends
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.release();
  }

  toString(): string {
    let extra = this._locked ? "locked" : "unlocked";
    if (this._waiters?.length) extra += `, waiters:${this._waiters.length}`;
    return `<${this.constructor.name} [${extra}]>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

const eventWait = named("Event.wait", (event: Event) => event._wait());

/**
 * A flag that tasks can wait for: `set()` wakes every waiting `wait()`, and
 * later ones return at once until `clear()`.
 *
 * @example
 * ```ts
 * const ready = new Event();
 * createTask(async () => { await ready.wait(); console.log("go"); });
 * ready.set();
 * ```
 */
export class Event {
  /** @internal The Futures of the waiting wait() calls. */
  _waiters: Future<boolean>[] = [];
  /** @internal */
  _value = false;
  #loop: EventLoop | undefined = undefined;

  /** @internal The running loop, which the event binds to (`_LoopBoundMixin`). */
  _getLoop(): EventLoop {
    return (this.#loop = loopFor(this, this.#loop));
  }

  /** True if the flag is set. */
  isSet(): boolean {
    return this._value;
  }

  /** Sets the flag: every waiting task wakes, and wait() returns at once until clear(). */
  set(): void {
    if (!this._value) {
      this._value = true;
      for (const fut of this._waiters) {
        if (!fut.done()) fut.setResult(true);
      }
    }
  }

  /** Clears the flag: wait() blocks again until set(). */
  clear(): void {
    this._value = false;
  }

  /**
   * Waits until the flag is set; resolves to true. Returns without a loop
   * turn if it is set already.
   *
   * @returns a lazy Coroutine: await it, or pass it to createTask.
   */
  wait(options?: SignalOptions): Coroutine<true> {
    return _abortable(new Coroutine(eventWait, [this]), options, "Event.wait()");
  }

  /** @internal The body of wait(). */
  _wait(): true | Promise<true> {
    if (this._value) return true;
    return this._waitSlow();
  }

  /** @internal */
  async _waitSlow(): Promise<true> {
    const fut = new _LabelledFuture<boolean>(this._getLoop(), "wait", undefined, this);
    this._waiters.push(fut);
    try {
      await fut;
      return true;
    } finally {
      remove(this._waiters, fut);
    }
  }

  toString(): string {
    let extra = this._value ? "set" : "unset";
    if (this._waiters.length) extra += `, waiters:${this._waiters.length}`;
    return `<${this.constructor.name} [${extra}]>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

const conditionWait = named("Condition.wait", (cond: Condition) => cond._wait());
const conditionWaitFor = named("Condition.waitFor", (cond: Condition, predicate: () => unknown) =>
  cond._waitFor(predicate),
);

/**
 * A condition variable: tasks holding its lock `wait()` until another task
 * holding it calls `notify()`. Its lock is a new Lock, or the one given.
 *
 * @example
 * ```ts
 * const cond = new Condition();
 * await cond.with(async () => {
 *   await cond.waitFor(() => queue.length > 0);
 *   queue.shift();
 * });
 * ```
 */
export class Condition {
  /** @internal The underlying lock. */
  readonly _lock: Lock;
  /** @internal The Futures of the waiting wait() calls, oldest first. */
  _waiters: Future<boolean>[] = [];
  #loop: EventLoop | undefined = undefined;

  /**
   * @param lock - The Lock to use; default: a new one.
   * @throws {TypeError} if `lock` is not a Lock.
   */
  constructor(lock?: Lock) {
    if (lock === undefined) {
      lock = new Lock();
    } else if (!(lock instanceof Lock)) {
      throw typeError(
        `Condition() expects a Lock of asyncio-ts, got ${show(lock)}: pass new Lock(), or nothing for a lock of its own`,
      );
    }
    this._lock = lock;
  }

  /** @internal The running loop, which the condition binds to (`_LoopBoundMixin`). */
  _getLoop(): EventLoop {
    return (this.#loop = loopFor(this, this.#loop));
  }

  /** True if the underlying lock is held. */
  locked(): boolean {
    return this._lock.locked();
  }

  /** The underlying lock's acquire(). */
  acquire(options?: SignalOptions): Coroutine<true> {
    return this._lock.acquire(options);
  }

  /**
   * The underlying lock's release().
   *
   * @throws {RuntimeError} if the lock is not locked.
   */
  release(): void {
    this._lock.release();
  }

  /**
   * Releases the lock, waits until notified, then acquires the lock again
   * (even when cancelled meanwhile) and resolves to true. It may return
   * without a notify (a spurious wake-up, which CPython allows too), so
   * check the condition again, or use waitFor().
   *
   * @returns a lazy Coroutine: await it.
   * @throws {RuntimeError} if the lock is not held.
   */
  wait(options?: SignalOptions): Coroutine<true> {
    return _abortable(new Coroutine(conditionWait, [this]), options, "Condition.wait()");
  }

  /** @internal The body of wait(). */
  async _wait(): Promise<true> {
    if (!this.locked()) {
      throw new RuntimeError(
        "cannot wait on un-acquired lock: acquire the Condition first, as in cond.with(async () => { await cond.wait(); })",
      );
    }
    const fut = new _LabelledFuture<boolean>(this._getLoop(), "wait", undefined, this);
    this.release();
    try {
      try {
        this._waiters.push(fut);
        try {
          await fut;
          return true;
        } finally {
          remove(this._waiters, fut);
        }
      } finally {
        // Must re-acquire the lock even if the wait is cancelled. Only a
        // CancelledError makes it try again: another error goes out.
        let err: CancelledError | undefined = undefined;
        for (;;) {
          try {
            await this.acquire();
            break;
          } catch (e) {
            if (!(e instanceof CancelledError)) throw e;
            err = e;
          }
        }
        // The most recent CancelledError, itself.
        if (err !== undefined) throw err;
      }
    } catch (err) {
      // An error out of here may have come after this task was notified:
      // notify another one instead (a spurious wake-up at worst, which the
      // condition variable protocol allows).
      this._notify(1);
      throw err;
    }
  }

  /**
   * Waits until `predicate()` is truthy, calling wait() until it is, and
   * resolves to the predicate's last value. The lock must be held, unless
   * the predicate is truthy at once.
   *
   * @returns a lazy Coroutine: await it.
   * @throws {RuntimeError} if the lock is not held and the predicate is falsy.
   */
  waitFor<T>(predicate: () => T, options?: SignalOptions): Coroutine<T> {
    if (typeof predicate !== "function") {
      throw typeError(
        `waitFor() expects a predicate function, got ${show(predicate)}: cond.waitFor(() => state.ready)`,
      );
    }
    return _abortable(
      new Coroutine(conditionWaitFor, [this, predicate]) as Coroutine<T>,
      options,
      "Condition.waitFor()",
    );
  }

  /** @internal The body of waitFor(). */
  async _waitFor<T>(predicate: () => T): Promise<T> {
    let result = predicate();
    while (!result) {
      await this.wait();
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up `n` of the tasks waiting in wait() (1 by default; all of them
   * if fewer wait). They return from wait() once they get the lock again,
   * which the caller still holds: release it.
   *
   * @throws {RuntimeError} if the lock is not held.
   */
  notify(n = 1): void {
    if (typeof n !== "number") throw typeError(`notify() expects a number of tasks, got ${show(n)}`);
    if (Number.isNaN(n)) throw rangeError("notify() expects a number of tasks, got NaN");
    if (!this.locked()) {
      throw new RuntimeError(
        "cannot notify on un-acquired lock: acquire the Condition first, as in cond.with(async () => cond.notify())",
      );
    }
    this._notify(n);
  }

  /** @internal */
  _notify(n: number): void {
    let idx = 0;
    for (const fut of this._waiters) {
      if (idx >= n) break;
      if (!fut.done()) {
        idx += 1;
        fut.setResult(false);
      }
    }
  }

  /**
   * Wakes up every task waiting in wait().
   *
   * @throws {RuntimeError} if the lock is not held.
   */
  notifyAll(): void {
    this.notify(this._waiters.length);
  }

  /**
   * Runs `body` holding the lock, and releases it however the body ends, as
   * `async with cond:` does.
   *
   * @returns a lazy Coroutine of the body's result.
   */
  with<T>(body: () => T | PromiseLike<T>): Coroutine<Awaited<T>> {
    return withHeld(this, body, "Condition");
  }

  /** Releases the lock: for `await using`, after an acquire(). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.release();
  }

  toString(): string {
    let extra = this.locked() ? "locked" : "unlocked";
    if (this._waiters.length) extra += `, waiters:${this._waiters.length}`;
    return `<${this.constructor.name} [${extra}]>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

const semaphoreAcquire = named("Semaphore.acquire", (sem: Semaphore) => sem._acquire());

function checkValue(value: unknown, what: string): number {
  if (typeof value !== "number") {
    throw typeError(`${what} initial value must be a number, got ${show(value)}`);
  }
  if (!(value >= 0) || !(Number.isInteger(value) || value === Infinity)) {
    throw rangeError(`${what} initial value must be an integer >= 0, got ${value}`);
  }
  return value;
}

/**
 * A counter of permits: `acquire()` takes one, waiting while there is none;
 * `release()` gives one back and lets the first waiter in (FIFO).
 *
 * @example
 * ```ts
 * const sem = new Semaphore(3); // three at a time
 * await gather(...urls.map((url) => () => sem.with(() => fetchPage(url))));
 * ```
 */
export class Semaphore {
  /** @internal The Futures of the waiting acquire() calls, oldest first. */
  _waiters: Future<boolean>[] | undefined = undefined;
  /** @internal The permits left. */
  _value: number;
  #loop: EventLoop | undefined = undefined;

  /**
   * @param value - The number of permits; default 1.
   * @throws {RangeError} if `value` is negative or not an integer.
   */
  constructor(value = 1) {
    this._value = checkValue(value, new.target.name);
  }

  /** @internal The running loop, which the semaphore binds to (`_LoopBoundMixin`). */
  _getLoop(): EventLoop {
    return (this.#loop = loopFor(this, this.#loop));
  }

  /**
   * True if acquire() would wait: no permit is left, or tasks wait already
   * (they go first).
   */
  locked(): boolean {
    return this._value === 0 || (this._waiters?.some((w) => !w.cancelled()) ?? false);
  }

  /**
   * Takes a permit, waiting in FIFO order while there is none; resolves to
   * true. Takes it at once, without a loop turn, when one is left and no
   * task waits.
   *
   * @returns a lazy Coroutine: await it, or pass it to createTask.
   */
  acquire(options?: SignalOptions): Coroutine<true> {
    return _abortable(new Coroutine(semaphoreAcquire, [this]), options, "Semaphore.acquire()");
  }

  /** @internal The body of acquire(). */
  _acquire(): true | Promise<true> {
    if (!this.locked()) {
      // FIFO: a caller waits while others wait, even if permits are left.
      this._value -= 1;
      return true;
    }
    return this._acquireWait();
  }

  /** @internal */
  async _acquireWait(): Promise<true> {
    const waiters = (this._waiters ??= []);
    const fut = new _LabelledFuture<boolean>(this._getLoop(), "acquire", undefined, this);
    waiters.push(fut);
    try {
      try {
        await fut;
      } finally {
        remove(waiters, fut);
      }
    } catch (err) {
      if (err instanceof CancelledError && fut.done() && !fut.cancelled()) {
        // _wakeUpNext() gave us the permit, but we do not take it: give it
        // back; the loop below wakes someone else.
        this._value += 1;
      }
      throw err;
    } finally {
      // New waiters may have come and waited for FIFO's sake: wake as many
      // as there are permits.
      while (this._value > 0) {
        if (!this._wakeUpNext()) break; // No one to wake.
      }
    }
    return true;
  }

  /** Gives a permit back, and lets the first waiting acquire() in. */
  release(): void {
    this._value += 1;
    this._wakeUpNext();
  }

  /** @internal Wakes the first waiter not woken yet, giving it a permit. */
  _wakeUpNext(): boolean {
    if (this._waiters === undefined) return false;
    for (const fut of this._waiters) {
      if (!fut.done()) {
        this._value -= 1;
        fut.setResult(true);
        return true;
      }
    }
    return false;
  }

  /**
   * Runs `body` holding a permit, and gives it back however the body ends,
   * as `async with sem:` does.
   *
   * @returns a lazy Coroutine of the body's result.
   */
  with<T>(body: () => T | PromiseLike<T>): Coroutine<Awaited<T>> {
    return withHeld(this, body, this.constructor.name);
  }

  /** Gives the permit back: for `await using`, after an acquire(). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.release();
  }

  toString(): string {
    let extra = this.locked() ? "locked" : `unlocked, value:${this._value}`;
    if (this._waiters?.length) extra += `, waiters:${this._waiters.length}`;
    return `<${this.constructor.name} [${extra}]>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * A Semaphore that refuses a release() beyond its initial value, which
 * catches a release without its acquire.
 */
export class BoundedSemaphore extends Semaphore {
  readonly #boundValue: number;

  /**
   * @param value - The number of permits, and the most there can be; default 1.
   * @throws {RangeError} if `value` is negative or not an integer.
   */
  constructor(value = 1) {
    super(value);
    this.#boundValue = value;
  }

  /**
   * Gives a permit back.
   *
   * @throws {RangeError} if that would make more permits than the initial value.
   */
  override release(): void {
    if (this._value >= this.#boundValue) {
      throw rangeError(
        `BoundedSemaphore released too many times: it has all its ${this.#boundValue} permits; call release() once for each acquire(), or let sem.with(body) pair them`,
        "ERR_ASYNCIO_SEMAPHORE_RELEASED_TOO_MANY_TIMES",
      );
    }
    super.release();
  }
}

type BarrierState = "filling" | "draining" | "resetting" | "broken";

const barrierWait = named("Barrier.wait", (barrier: Barrier) => barrier._wait());
const barrierReset = named("Barrier.reset", (barrier: Barrier) => barrier._reset());
const barrierAbort = named("Barrier.abort", (barrier: Barrier) => barrier._abort());

/**
 * Lets `parties` tasks wait for each other: each `wait()` blocks until that
 * many tasks wait, then all of them go on, each with a distinct index from
 * 0 to parties - 1. It can be used again after that.
 *
 * @example
 * ```ts
 * const barrier = new Barrier(3);
 * await gather(...[1, 2, 3].map(() => async () => {
 *   await prepare();
 *   await barrier.wait(); // all three prepared
 *   await go();
 * }));
 * ```
 */
export class Barrier {
  readonly #cond = new Condition(); // Notifies every task when the state changes.
  readonly #parties: number;
  /** @internal */
  _state: BarrierState = "filling";
  /** @internal The tasks in the barrier. */
  _count = 0;

  /**
   * @param parties - How many tasks must wait for the barrier to let them go.
   * @throws {RangeError} if `parties` is less than 1.
   */
  constructor(parties: number) {
    if (typeof parties !== "number") {
      throw typeError(`Barrier parties must be a number of tasks, got ${show(parties)}`);
    }
    if (!(parties >= 1)) {
      throw rangeError(`Barrier parties must be > 0, got ${parties}: the number of tasks that wait for each other`);
    }
    this.#parties = parties;
  }

  /**
   * Waits until `parties` tasks wait, then resolves to this task's index
   * (0 to parties - 1, distinct among them).
   *
   * @returns a lazy Coroutine: await it.
   * @throws {BrokenBarrierError} if the barrier is broken, or is aborted or
   *   reset while the task waits.
   */
  wait(options?: SignalOptions): Coroutine<number> {
    return _abortable(new Coroutine(barrierWait, [this]), options, "Barrier.wait()");
  }

  /** @internal The body of wait(). */
  _wait(): Promise<number> {
    return this.#cond.with(async () => {
      await this.#block(); // Blocks while the barrier drains or resets.
      try {
        const index = this._count;
        this._count += 1;
        if (index + 1 === this.#parties) {
          this.#release(); // The last one releases the others.
        } else {
          await this.#waitReleased();
        }
        return index;
      } finally {
        this._count -= 1;
        this.#exit(); // Wakes tasks waiting for the barrier to drain.
      }
    });
  }

  // Waits until the barrier is ready for us (not draining nor resetting),
  // unless cancelled; throws if it is broken.
  async #block(): Promise<void> {
    await this.#cond.waitFor(() => this._state !== "draining" && this._state !== "resetting");
    if (this._state === "broken") throw new BrokenBarrierError("Barrier aborted");
  }

  // Lets the waiting tasks go: the barrier drains, and new ones wait until it is done.
  #release(): void {
    this._state = "draining";
    this.#cond.notifyAll();
  }

  // Waits until released; throws if the barrier is reset or broken meanwhile.
  async #waitReleased(): Promise<void> {
    await this.#cond.waitFor(() => this._state !== "filling");
    if (this._state === "broken" || this._state === "resetting") {
      throw new BrokenBarrierError("Abort or reset of barrier");
    }
  }

  // The last task out of a draining or resetting barrier refills it, and
  // wakes the tasks waiting for that.
  #exit(): void {
    if (this._count === 0) {
      if (this._state === "resetting" || this._state === "draining") this._state = "filling";
      this.#cond.notifyAll();
    }
  }

  /**
   * Puts the barrier back in its initial state; the tasks waiting at it get
   * a BrokenBarrierError.
   *
   * @returns a lazy Coroutine: await it.
   */
  reset(): Coroutine<void> {
    return new Coroutine(barrierReset, [this]);
  }

  /** @internal The body of reset(). */
  _reset(): Promise<void> {
    return this.#cond.with(() => {
      if (this._count > 0) {
        if (this._state !== "resetting") this._state = "resetting"; // Wakes the waiting tasks.
      } else {
        this._state = "filling";
      }
      this.#cond.notifyAll();
    });
  }

  /**
   * Breaks the barrier, for when something failed: the tasks waiting at it,
   * and those that call wait() later, get a BrokenBarrierError, until
   * reset().
   *
   * @returns a lazy Coroutine: await it.
   */
  abort(): Coroutine<void> {
    return new Coroutine(barrierAbort, [this]);
  }

  /** @internal The body of abort(). */
  _abort(): Promise<void> {
    return this.#cond.with(() => {
      this._state = "broken";
      this.#cond.notifyAll();
    });
  }

  /** How many tasks must wait for the barrier to let them go. */
  get parties(): number {
    return this.#parties;
  }

  /** How many tasks wait at the barrier now (0 while it drains, resets or is broken). */
  get nWaiting(): number {
    return this._state === "filling" ? this._count : 0;
  }

  /** True if the barrier is broken (aborted). */
  get broken(): boolean {
    return this._state === "broken";
  }

  toString(): string {
    let extra: string = this._state;
    if (!this.broken) extra += `, waiters:${this.nWaiting}/${this.parties}`;
    return `<${this.constructor.name} [${extra}]>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
