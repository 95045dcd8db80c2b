/**
 * EventLoop: asyncio's bookkeeping around Node's own event loop.
 *
 * Port of CPython 3.13 Lib/asyncio/base_events.py `BaseEventLoop`: the ready
 * queue, timers, the exception handler, debug settings, async-generator
 * finalization and the default executor. Differs: Node already owns the
 * thread's real loop, so one loop turn is one host callback (setImmediate, or
 * the clock's timer when nothing is ready) that runs every handle ready at
 * its start; a task's code then resumes in the promise jobs that follow it.
 *
 * @module
 */

import { inspect } from "node:util";
import { performance } from "node:perf_hooks";
import { RuntimeError, checkSeconds, show, typeError } from "../errors.js";
import { type Clock, MonotonicClock } from "./clock.js";
import { Handle, TimerHandle, _LoopCallback, type _Runnable, _captureContext } from "./handles.js";
import { TimerQueue } from "./timer-queue.js";
import { _claimThread, _getRunningLoop, _releaseThread } from "./running-loop.js";
import { _trackAsyncGenerators } from "./async-generators.js";
import { Future } from "../futures.js";
import type { ThreadPoolExecutor } from "../threads/executor.js";
import type { CancellableFunction, ModuleFunction } from "../threads/function-source.js";
import { _internalCallback } from "./internal-callback.js";
import { type StepLoop, _handlesEnd, _handlesStart } from "../core/step.js";
import type { Task, TaskFactory } from "../tasks/task.js";
import { _callerSite } from "../debug/origin.js";
import { _SlowStepMonitor } from "./slow-callback.js";
import { type _LoopMonitor, _MonitorPair } from "./monitor.js";

/** What went wrong, passed to the loop's exception handler (as in asyncio). */
export interface ExceptionContext {
  message: string;
  exception?: unknown;
  /** The Future concerned, or its description once it was garbage-collected. */
  future?: Future<unknown> | string;
  task?: Task<unknown>;
  handle?: Handle;
  /**
   * In debug mode: where the Future, Task or callback concerned was created
   * or scheduled, as a stack (CPython's `source_traceback`).
   */
  sourceTraceback?: string;
  [key: string]: unknown;
}

/** A custom exception handler: `loop.setExceptionHandler((loop, context) => ...)`. */
export type ExceptionHandler = (loop: EventLoop, context: ExceptionContext) => void;

/** Options of `new EventLoop()`. */
export interface EventLoopOptions {
  /** Where time comes from; tests pass a VirtualClock. Default: the monotonic clock. */
  clock?: Clock;
  /**
   * Debug mode from the start (as `loop.setDebug(true)`). Default: on when
   * the environment variable ASYNCIO_TS_DEBUG is set to a non-empty string,
   * as CPython's PYTHONASYNCIODEBUG turns it on.
   */
  debug?: boolean;
}

let loopSeq = 0;

// CPython's coroutines._is_debug_mode(): any non-empty value turns it on ("0" too).
function debugFromEnvironment(): boolean {
  return Boolean(process.env["ASYNCIO_TS_DEBUG"]);
}

/**
 * @internal How the loop makes and uses executors, registered by
 * threads/to-thread.ts: the loop names the pool's types but does not load it,
 * so a program that starts no thread does not load the pool (asyncio-ts's
 * own; CPython's base_events.py imports concurrent.futures).
 */
export interface ExecutorSupport {
  isExecutor(value: unknown): value is ThreadPoolExecutor;
  newDefault(): ThreadPoolExecutor;
  runInExecutor(
    loop: EventLoop,
    executor: ThreadPoolExecutor | null,
    fn: unknown,
    args: unknown[],
    what: string,
  ): Future<unknown>;
}

let executorSupport: ExecutorSupport | undefined;

/** @internal */
export function _registerExecutorSupport(value: ExecutorSupport): void {
  executorSupport = value;
}

/** The registered support; `what` names the caller in the error when there is none. */
function _executorSupport(what: string): ExecutorSupport {
  if (executorSupport === undefined) {
    throw new RuntimeError(
      `${what} needs asyncio-ts's thread pool, which is not loaded: import toThread or ThreadPoolExecutor from "asyncio-ts", or start the loop with run()`,
    );
  }
  return executorSupport;
}

/**
 * The event loop. `run()` creates and closes one for you; create one yourself
 * only to pass a custom clock through `run(main, { loopFactory })`.
 */
export class EventLoop implements StepLoop {
  readonly #clock: Clock;
  #ready: _Runnable[] = [];
  #spare: _Runnable[] = [];
  readonly #timers = new TimerQueue();
  #timerSeq = 0;
  #immediate: NodeJS.Immediate | undefined;
  #batch: _Runnable[] | undefined;
  #batchIndex = 0;
  #stepping: object | undefined;
  #inBatch = false; // #runBatch is running a handle (a step that ends inside it needs no resume).
  #wake: (() => void) | undefined;
  #wakeDeadline = Infinity;
  #running = false;
  #stopping = false;
  #onStopped: (() => void) | undefined;
  #closed = false;
  #debug = false;
  #exceptionHandler: ExceptionHandler | undefined;
  #defaultExecutor: ThreadPoolExecutor | undefined;
  #executorShutdownCalled = false;
  #asyncgensShutdownCalled = false;
  // The tasks not yet done, in creation order: a list linked through the
  // tasks themselves, cheaper to add to and remove from than a Set.
  #firstTask: Task<unknown> | undefined;
  #lastTask: Task<unknown> | undefined;
  /** @internal */ _taskSeq = 0;
  /** @internal run() is cancelling the tasks left: the calls gather({ limit }) holds back never start. */
  _cancellingAll = false;
  /** @internal Async generators first iterated while this loop ran. */ readonly _asyncgens = new Set<
    WeakRef<AsyncGenerator>
  >();
  /**
   * @internal Debug mode's monitor, a trace recorder, or both (monitor.ts):
   * undefined with neither, so the loop and its tasks read this one field.
   */
  _monitor: _LoopMonitor | undefined;
  #slowMonitor: _SlowStepMonitor | undefined;
  #tracer: _LoopMonitor | undefined;
  /** Seconds a callback or task step may block the loop before debug mode logs it. */
  slowCallbackDuration = 0.1;
  readonly #id = ++loopSeq;

  constructor(options: EventLoopOptions = {}) {
    this.#clock = options.clock ?? new MonotonicClock();
    if (options.debug ?? debugFromEnvironment()) this.setDebug(true);
  }

  /** The loop's clock reading, in seconds. */
  time(): number {
    return this.#clock.now();
  }

  // ---- scheduling -------------------------------------------------------

  /** Schedules `callback(...args)` for the next loop turn, after those already scheduled. */
  callSoon<A extends unknown[]>(callback: (...args: A) => void, ...args: A): Handle {
    this.#checkCallback(callback, "callSoon");
    const handle =
      args.length === 0
        ? Handle._new(callback as unknown as (arg: unknown) => void, undefined, this)
        : args.length === 1
          ? Handle._new(callback as unknown as (arg: unknown) => void, args[0], this)
          : Handle._new(
              named(callback, () => callback(...args)),
              undefined,
              this,
            );
    handle._context = _captureContext();
    if (this.#debug) handle._source = _callerSite();
    this._schedule(handle);
    return handle;
  }

  /** Schedules `callback(...args)` `delay` seconds from now. */
  callLater<A extends unknown[]>(delay: number, callback: (...args: A) => void, ...args: A): TimerHandle {
    checkSeconds(delay, "callLater() delay");
    return this.callAt(this.time() + delay, callback, ...args);
  }

  /** Schedules `callback(...args)` at loop time `when` (seconds, as `loop.time()`). */
  callAt<A extends unknown[]>(when: number, callback: (...args: A) => void, ...args: A): TimerHandle {
    checkSeconds(when, "callAt() when");
    this.#checkCallback(callback, "callAt");
    const fn =
      args.length <= 1 ? (callback as unknown as (arg: unknown) => void) : named(callback, () => callback(...args));
    const handle = this._timer(when, fn, args[0]);
    handle._context = _captureContext();
    if (this.#debug) handle._source = _callerSite();
    return handle;
  }

  /** @internal callSoon without argument checks, for the library's own callbacks. */
  _soon(callback: (arg: any, arg2: any) => void, arg?: unknown, arg2?: unknown): void {
    this._schedule(new _LoopCallback(callback, arg, arg2));
  }

  /** @internal */
  _schedule(handle: _Runnable): void {
    this.#ready.push(handle);
    if (this.#immediate === undefined && this.#running) {
      this.#disarmTimer();
      this.#immediate = setImmediate(this.#turn);
    }
  }

  /** @internal */
  _timer(
    when: number,
    callback: (arg: any) => void,
    arg: unknown,
    delay: number = when - this.#clock.now(),
  ): TimerHandle {
    const handle = TimerHandle._newTimer(when, callback, arg, this, ++this.#timerSeq);
    this.#timers.push(handle, delay);
    // Arm the clock only when the loop is idle: a virtual clock jumps ahead
    // when its wake-up fires. A turn in progress arms it when it ends.
    if (this.#running && this.#immediate === undefined && this.#batch === undefined && when < this.#wakeDeadline) {
      this.#armTimer();
    }
    return handle;
  }

  /** @internal Called by TimerHandle.cancel(). */
  _timerCancelled(): void {
    this.#timers.cancelled();
  }

  #checkCallback(callback: unknown, what: string): void {
    if (typeof callback !== "function") {
      throw typeError(`${what}() expects a function, got ${show(callback)}: pass the function, not its result`);
    }
    if (this.#closed) throw new RuntimeError(`Event loop is closed: ${what}() needs a loop that is open`);
  }

  // One loop turn: move due timers to the ready queue, then run every handle
  // that is ready now (not those they schedule: those wait for the next turn).
  // This host callback may inherit a task's async context (it was scheduled
  // from that task's code); handles do not rely on it: while they run, the
  // step protocol (core/step.ts) tells currentTask() and await that no
  // task's code is running, a user's callback runs in the contexts it was
  // scheduled from, outside any task (Handle._context), and a task's step
  // in its creator's.
  readonly #turn = (): void => {
    // Entered from setImmediate or from the clock's wake-up: either way, the
    // other is no longer needed, and at most one host callback stays pending.
    if (this.#immediate !== undefined) {
      clearImmediate(this.#immediate);
      this.#immediate = undefined;
    }
    this.#disarmTimer();
    if (this.#batch !== undefined) {
      // The task step this turn's batch waited for awaits something foreign
      // (its promise jobs are all done): the rest of the batch runs now.
      this.#stepping = undefined;
      this.#runBatch();
      return;
    }
    const end = this.#clock.now() + this.#clock.resolution;
    this.#timers.popDue(end, this.#ready);
    this.#batch = this.#ready;
    this.#batchIndex = 0;
    this.#ready = this.#spare;
    this.#runBatch();
  };

  // Runs the handles of this turn's batch in order. A handle that resumes a
  // task (a wake-up, a task's start) pauses the batch until that task's step
  // ends: it awaits again or finishes. A step runs in promise jobs after the
  // handle, so without the pause every handle would run before any step,
  // where CPython runs each step inside its handle. The pause keeps CPython's
  // order (a task that finishes in a step is done before the next handle).
  #runBatch(): void {
    const batch = this.#batch!;
    const monitor = this._monitor;
    _handlesStart();
    this.#inBatch = true;
    try {
      while (this.#batchIndex < batch.length) {
        const handle = batch[this.#batchIndex]!;
        batch[this.#batchIndex++] = undefined as never;
        if (monitor === undefined) handle._run(this);
        else monitor.runHandle(handle, this);
        if (this.#stepping !== undefined) {
          // Resume when the step ends (_stepEnded), or on the next host
          // callback if it awaits something foreign.
          this.#immediate ??= setImmediate(this.#turn);
          return;
        }
      }
    } finally {
      this.#inBatch = false;
      _handlesEnd();
    }
    batch.length = 0;
    this.#spare = batch;
    this.#batch = undefined;
    if (this.#stopping) {
      // Let the task code that this turn resumed run to its next await
      // first: it runs in promise jobs, which all finish before setImmediate.
      if (this.#immediate !== undefined) clearImmediate(this.#immediate);
      this.#immediate = setImmediate(this.#stop);
    } else if (this.#immediate === undefined) {
      this.#scheduleNext();
    }
    monitor?.turnEnded();
  }

  /** @internal A handle is about to resume `task`: the batch waits for its step. */
  _stepStarting(task: object): void {
    this.#stepping = task;
  }

  /** @internal `task` awaits again or finished: its step is over. */
  _stepEnded(task: object): void {
    if (this.#stepping !== task) return;
    this.#stepping = undefined;
    // A step that ends inside the handle that started it (a body that
    // returns or throws before awaiting) lets the batch go on by itself;
    // resuming from here would nest a batch per such task.
    if (this.#batch !== undefined && !this.#inBatch) this.#runBatch();
  }

  readonly #stop = (): void => {
    this.#immediate = undefined;
    this.#stopping = false;
    this.#running = false;
    const done = this.#onStopped;
    this.#onStopped = undefined;
    done?.();
  };

  #scheduleNext(): void {
    if (this.#ready.length > 0) {
      this.#immediate = setImmediate(this.#turn);
    } else if (this.#timers.size > 0) {
      this.#armTimer();
    }
  }

  #armTimer(): void {
    const top = this.#timers.peek();
    if (top === undefined) return;
    const when = top.when();
    if (this.#wake !== undefined) {
      if (this.#wakeDeadline <= when) return;
      this.#disarmTimer();
    }
    this.#wakeDeadline = when;
    this.#wake = this.#clock.wakeAt(when, this.#turn);
  }

  #disarmTimer(): void {
    if (this.#wake !== undefined) {
      this.#wake();
      this.#wake = undefined;
      this.#wakeDeadline = Infinity;
    }
  }

  // ---- running ------------------------------------------------------------

  /** True while `runUntilComplete()` runs. */
  isRunning(): boolean {
    return this.#running;
  }

  /** True after `close()`. */
  isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Runs the loop until `future` is done; resolves to its result.
   * Most programs call `run(main)` instead.
   */
  async runUntilComplete<T>(future: Future<T>): Promise<T> {
    if (this.#closed) throw new RuntimeError("Event loop is closed: create a new EventLoop, or use run()");
    if (this.#running) {
      throw new RuntimeError("This event loop is already running: await the future instead");
    }
    const claimed = _getRunningLoop() !== this;
    _claimThread(this, "runUntilComplete()");
    this.#running = true;
    // While the loop runs, the process stays alive, as CPython's blocking
    // run_until_complete does, even when every task awaits something foreign.
    const keepAlive = setInterval(noop, 0x7fffffff);
    const stopped = new Promise<void>((resolve) => (this.#onStopped = resolve));
    const stop = (): void => {
      this.#stopping = true;
    };
    _internalCallback(stop);
    _trackAsyncGenerators(true);
    try {
      if (future.getLoop() !== this) {
        throw typeError("runUntilComplete() got a future of another loop: create it on this loop");
      }
      future.addDoneCallback(stop);
      if (future.done()) this.#stopping = true;
      if (this.#ready.length > 0 || this.#stopping) this.#immediate ??= setImmediate(this.#turn);
      else this.#scheduleNext();
      await stopped;
      future.removeDoneCallback(stop);
    } catch (err) {
      this.#running = false;
      this.#onStopped = undefined;
      throw err;
    } finally {
      clearInterval(keepAlive);
      if (claimed) _releaseThread(this);
      _trackAsyncGenerators(false);
      this.#disarmTimer();
      if (this.#immediate !== undefined) {
        clearImmediate(this.#immediate);
        this.#immediate = undefined;
      }
    }
    if (!future.done()) {
      throw new RuntimeError("Event loop stopped before Future completed");
    }
    return future.result();
  }

  /**
   * Closes the loop: drops what is still scheduled. It must not be running.
   * Does not wait for the default executor; `run()` shuts that down first.
   */
  close(): void {
    if (this.#running) throw new RuntimeError("Cannot close a running event loop: let run() close it");
    if (this.#closed) return;
    // A task still pending now never runs again: CPython says so when such a
    // task is collected (Task.__del__); here the loop holds its tasks until
    // they are done, so it says so when it closes. run() cancels them first.
    for (const task of this._tasks()) {
      if (task.done()) continue;
      const source = task._source;
      this.callExceptionHandler({
        message: "Task was destroyed but it is pending!",
        task,
        ...(source === undefined ? {} : { sourceTraceback: source }),
      });
    }
    this.#closed = true;
    this.#ready.length = 0;
    this.#batch = undefined;
    this.#stepping = undefined;
    this.#timers.clear();
    this._asyncgens.clear();
    this._monitor?.close();
    const executor = this.#defaultExecutor;
    this.#defaultExecutor = undefined;
    if (executor !== undefined) void executor.shutdown({ wait: false });
    if (_getRunningLoop() === this) _releaseThread(this);
  }

  /** Calls `aclose` (`return()`) on every async generator first iterated in this loop that is still open. */
  async shutdownAsyncgens(): Promise<void> {
    this.#asyncgensShutdownCalled = true;
    const gens: AsyncGenerator[] = [];
    for (const ref of this._asyncgens) {
      const gen = ref.deref();
      if (gen !== undefined) gens.push(gen);
    }
    this._asyncgens.clear();
    if (gens.length === 0) return;
    const results = await Promise.allSettled(gens.map((gen) => gen.return(undefined)));
    results.forEach((result, i) => {
      if (result.status === "rejected") {
        this.callExceptionHandler({
          message: "an error occurred during closing of asynchronous generator",
          exception: result.reason,
          asyncgen: gens[i],
        });
      }
    });
  }

  /** @internal Whether async generators still get tracked. */
  get _asyncgensOpen(): boolean {
    return !this.#asyncgensShutdownCalled && !this.#closed;
  }

  /** The loop's default executor (thread pool), if one was set. */
  getDefaultExecutor(): ThreadPoolExecutor | undefined {
    return this.#defaultExecutor;
  }

  /** Sets the executor that `toThread` and `runInExecutor(null, …)` use. */
  setDefaultExecutor(executor: ThreadPoolExecutor | undefined): void {
    if (executor !== undefined && !_executorSupport("setDefaultExecutor()").isExecutor(executor)) {
      throw typeError(`setDefaultExecutor() expects a ThreadPoolExecutor, got ${show(executor)}`);
    }
    if (this.#executorShutdownCalled) {
      throw new RuntimeError("Executor shutdown has been called: set the executor before run() ends");
    }
    this.#defaultExecutor = executor;
  }

  /** @internal The default executor, made on first use. */
  _defaultExecutorForJobs(): ThreadPoolExecutor {
    if (this.#executorShutdownCalled) {
      throw new RuntimeError("Executor shutdown has been called: run jobs before run() ends");
    }
    this._checkOpen("runInExecutor()");
    return (this.#defaultExecutor ??= _executorSupport("runInExecutor()").newDefault());
  }

  /**
   * Runs `fn(...args)` in a worker thread of `executor` (null: the default
   * one) and returns a Future of its result. Most code calls `toThread()`.
   */
  runInExecutor<F extends (...args: any[]) => unknown>(
    executor: ThreadPoolExecutor | null,
    fn: F | ModuleFunction<F>,
    ...args: Parameters<F>
  ): Future<Awaited<ReturnType<F>>>;
  runInExecutor<A extends unknown[], R>(
    executor: ThreadPoolExecutor | null,
    fn: CancellableFunction<A, R>,
    ...args: A
  ): Future<Awaited<R>>;
  runInExecutor(executor: ThreadPoolExecutor | null, fn: unknown, ...args: unknown[]): Future<unknown> {
    const support = _executorSupport("runInExecutor()");
    if (executor !== null && executor !== undefined && !support.isExecutor(executor)) {
      throw typeError(
        `runInExecutor() expects a ThreadPoolExecutor, or null for the default one, got ${show(executor)}`,
      );
    }
    return support.runInExecutor(this, executor, fn, args, "runInExecutor()");
  }

  /**
   * Waits for the default executor's jobs, then shuts it down. After
   * `timeout` seconds (default: no limit, as CPython 3.12+), its workers are
   * terminated with a warning; `run()` allows 300 seconds.
   */
  async shutdownDefaultExecutor(options: { timeout?: number | null } = {}): Promise<void> {
    const timeout = options.timeout ?? null;
    if (timeout !== null) checkSeconds(timeout, "shutdownDefaultExecutor() timeout (or null for no limit)");
    this.#executorShutdownCalled = true;
    const executor = this.#defaultExecutor;
    this.#defaultExecutor = undefined;
    if (executor !== undefined)
      await executor.shutdown({ wait: true, timeout: timeout === null ? null : Math.max(0, timeout) });
  }

  // ---- errors -------------------------------------------------------------

  /** Sets the handler for errors nobody else can receive; `undefined` restores the default. */
  setExceptionHandler(handler: ExceptionHandler | undefined | null): void {
    if (handler != null && typeof handler !== "function") {
      throw typeError(`A callable object or null is expected, got ${show(handler)}`);
    }
    this.#exceptionHandler = handler ?? undefined;
  }

  /** The custom exception handler, or undefined for the default. */
  getExceptionHandler(): ExceptionHandler | undefined {
    return this.#exceptionHandler;
  }

  /** Writes the context to stderr, as CPython's default handler logs it. */
  defaultExceptionHandler(context: ExceptionContext): void {
    const lines = [context.message || "Unhandled exception in event loop"];
    for (const key of Object.keys(context).sort()) {
      if (key === "message" || key === "exception") continue;
      const value = context[key];
      lines.push(`${key}: ${typeof value === "string" ? value : String(formatValue(value))}`);
    }
    if ("exception" in context) lines.push(inspect(context.exception));
    console.error(lines.join("\n"));
  }

  /** Reports an error to the exception handler (custom if set, else the default). */
  callExceptionHandler(context: ExceptionContext): void {
    const handler = this.#exceptionHandler;
    if (handler === undefined) {
      try {
        this.defaultExceptionHandler(context);
      } catch {
        // The default handler writes to stderr; nothing else to do if that fails.
      }
      return;
    }
    try {
      handler(this, context);
    } catch (exception) {
      try {
        this.defaultExceptionHandler({
          message: "Unhandled error in exception handler",
          exception,
          context,
        });
      } catch {
        // As above.
      }
    }
  }

  // ---- debug --------------------------------------------------------------

  /** True in debug mode. */
  getDebug(): boolean {
    return this.#debug;
  }

  /** Switches debug mode: creation sites recorded, slow callbacks and task steps logged. */
  setDebug(enabled: boolean): void {
    this.#debug = Boolean(enabled);
    if (this.#debug) this.#slowMonitor ??= new _SlowStepMonitor(this);
    else {
      this.#slowMonitor?.close();
      this.#slowMonitor = undefined;
    }
    this.#setMonitor();
  }

  /** @internal Starts (or, with undefined, stops) telling a trace recorder what the tasks do. */
  _setTracer(tracer: _LoopMonitor | undefined): void {
    this.#tracer = tracer;
    this.#setMonitor();
  }

  #setMonitor(): void {
    const slow = this.#slowMonitor;
    const tracer = this.#tracer;
    this._monitor = slow === undefined ? tracer : tracer === undefined ? slow : new _MonitorPair(slow, tracer);
  }

  // ---- futures and tasks --------------------------------------------------

  /** @internal A new task, not done yet. */
  _addTask(task: Task<unknown>): void {
    const last = this.#lastTask;
    task._prevTask = last;
    if (last === undefined) this.#firstTask = task;
    else last._nextTask = task;
    this.#lastTask = task;
  }

  /** @internal A task is done (or was never started); removing it twice does nothing. */
  _removeTask(task: Task<unknown>): void {
    const prev = task._prevTask;
    const next = task._nextTask;
    if (prev === undefined && this.#firstTask !== task) return;
    if (prev === undefined) this.#firstTask = next;
    else prev._nextTask = next;
    if (next === undefined) this.#lastTask = prev;
    else next._prevTask = prev;
    task._prevTask = undefined;
    task._nextTask = undefined;
  }

  /** @internal The tasks not done yet, in creation order. */
  _tasks(): Task<unknown>[] {
    const tasks: Task<unknown>[] = [];
    for (let task = this.#firstTask; task !== undefined; task = task._nextTask) tasks.push(task);
    return tasks;
  }

  // ---- task factory (CPython's set_task_factory) -------------------------

  #taskFactory: TaskFactory | undefined;

  /**
   * Sets the function that makes the loop's tasks: `createTask()`, and the
   * functions that run an async function as a Task (`gather()`,
   * `ensureFuture()`, ...). `eagerTaskFactory` starts each task eagerly;
   * null or undefined restores the default.
   */
  setTaskFactory(factory: TaskFactory | null | undefined): void {
    if (factory != null && typeof factory !== "function") {
      throw typeError(`task factory must be a function or null, got ${show(factory)}`);
    }
    this.#taskFactory = factory ?? undefined;
  }

  /** The task factory, or undefined for the default one. */
  getTaskFactory(): TaskFactory | undefined {
    return this.#taskFactory;
  }

  /** A new Future bound to this loop. */
  createFuture<T>(): Future<T> {
    return new Future<T>({ loop: this });
  }

  toString(): string {
    const state = this.#closed ? "closed" : this.#running ? "running" : "idle";
    return `<EventLoop#${this.#id} ${state} debug=${this.#debug}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  /** @internal Used by the slow-callback monitor. */
  _now(): number {
    return performance.now() / 1000;
  }

  /** @internal */
  _checkOpen(what: string): void {
    if (this.#closed) throw new RuntimeError(`Event loop is closed: ${what} needs a loop that is open`);
  }
}

function noop(): void {}

function named<F extends (...args: any[]) => unknown>(original: { name: string }, fn: F): F {
  Object.defineProperty(fn, "name", { value: original.name });
  return fn;
}

function formatValue(value: unknown): string {
  if (value !== null && typeof value === "object" && "toString" in value) {
    const s = String(value);
    if (s !== "[object Object]") return s;
  }
  return inspect(value, { depth: 1 });
}
