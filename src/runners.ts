/**
 * run() and Runner: the entry point that owns an event loop from start to
 * close.
 *
 * Port of CPython 3.13 Lib/asyncio/runners.py. Differs: returns a Promise
 * (JavaScript cannot block); while the main task runs, the Promise keeps the
 * process alive as CPython's blocking call does; `loopFactory` (CPython 3.12)
 * is how tests pass a virtual clock.
 *
 * @module
 */

import { accessSync, constants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { CancelledError, KeyboardInterrupt, RuntimeError, show, typeError, withCode } from "./errors.js";
import { EventLoop } from "./loop/event-loop.js";
import { _claimThread, _getRunningLoop, _releaseThread } from "./loop/running-loop.js";
import { _exitWith130IfUncaught, _installSigint } from "./signals.js";
import { Coroutine } from "./tasks/coroutine.js";
import { Task, type TaskBody, type TaskFactory, _newTask } from "./tasks/task.js";
import { isThenable } from "./util.js";
import type { Future } from "./futures.js";
import { gather } from "./tasks/gather.js";
import { _reportUnretrieved } from "./unretrieved.js";
import { _inPoolWorker } from "./threads/protocol.js";
import { _installThreadSupport } from "./threads/to-thread.js";
import { _TraceRecorder } from "./debug/trace.js";
import { _inspectFromEnvironment, _inspectLoop, _uninspectLoop } from "./debug/inspect.js";

/** Seconds run() waits for the thread pool's jobs at the end (CPython's constants.THREAD_JOIN_TIMEOUT). */
const THREAD_JOIN_TIMEOUT = 300;

/** Options of `run()` and `new Runner()`. */
export interface RunOptions {
  /**
   * Debug mode: creation sites recorded, slow steps logged (see
   * EventLoop.setDebug). Default: the loop's, which is on when the
   * environment variable ASYNCIO_TS_DEBUG is non-empty.
   */
  debug?: boolean;
  /**
   * Inspectable from outside: while the loop is open, `npx asyncio-ts ps PID`
   * and `npx asyncio-ts pstree PID` show its tasks, read over a Unix socket
   * that only the process's user (and root) can open. On Windows it is a
   * named pipe with the default security of Node's named pipes, not
   * restricted to the process's user.
   * Default: on when the environment variable ASYNCIO_TS_INSPECT is
   * non-empty.
   */
  inspectable?: boolean;
  /** Makes the loop; default `new EventLoop()`. Tests pass a VirtualClock this way. */
  loopFactory?: () => EventLoop;
  /**
   * The loop's task factory (see EventLoop.setTaskFactory): `eagerTaskFactory`
   * starts every task inside `createTask()`. The main task starts on the
   * first loop turn regardless, as the loop is not running yet.
   */
  taskFactory?: TaskFactory;
  /**
   * Records a trace of the run: when it ends, a Chrome Trace Event Format
   * file (JSON) is written to this path (relative to the current directory),
   * with a track per task (created, each step it ran, what it waited on,
   * cancel requests and by whom, how it ended) and one per worker thread
   * (the jobs it ran). Open it in Perfetto (ui.perfetto.dev) or
   * chrome://tracing. `false`: no trace, whatever the environment says.
   * The path is used as it is.
   *
   * Default: the path in the environment variable ASYNCIO_TS_TRACE, if set,
   * where `%p` stands for the process id and `%n` for the run's number
   * among those of the process that read the variable (1, 2, ...):
   * `ASYNCIO_TS_TRACE=trace-%p-%n.json`. Without them, every run that sees
   * the variable writes the same file (later run() calls in the process,
   * child processes that inherit the environment), and the last to end
   * wins. Without a trace, tasks pay nothing for it.
   */
  trace?: string | false;
}

/** What `run()` runs: an async function (called with no arguments) or a Coroutine. */
export type Main<T> = Exclude<TaskBody<T>, Future<T>>;

/**
 * Runs several top-level calls on one event loop; `close()` finishes it as
 * `run()` does.
 *
 * @example
 * ```ts
 * const runner = new Runner();
 * try { await runner.run(setup); await runner.run(main); } finally { await runner.close(); }
 * ```
 */
export class Runner {
  #state: "created" | "initialized" | "closed" = "created";
  #loop: EventLoop | undefined;
  readonly #debug: boolean | undefined;
  readonly #inspectable: boolean;
  readonly #loopFactory: (() => EventLoop) | undefined;
  readonly #taskFactory: TaskFactory | undefined;
  readonly #trace: string | false | undefined;
  #recorder: _TraceRecorder | undefined;
  #running = false;

  /**
   * @throws {TypeError} for a `trace` option that is neither a path nor false.
   */
  constructor(options: RunOptions = {}) {
    this.#debug = options.debug;
    this.#inspectable = options.inspectable ?? _inspectFromEnvironment();
    this.#loopFactory = options.loopFactory;
    this.#taskFactory = options.taskFactory;
    this.#trace = checkTraceOption(options.trace);
  }

  /**
   * The runner's loop, created on first use.
   *
   * @throws {RuntimeError} when the trace file (the `trace` option or
   *   ASYNCIO_TS_TRACE) cannot be written (code `ERR_ASYNCIO_TRACE_PATH`).
   */
  getLoop(): EventLoop {
    this.#lazyInit(undefined);
    return this.#loop!;
  }

  /**
   * @internal The loop, made now and holding the thread until it is closed
   * (run()'s). Claimed before the trace recorder starts, so a refused run
   * leaves no recorder behind.
   */
  _claimLoop(what: string): EventLoop {
    this.#lazyInit(what);
    return this.#loop!;
  }

  /**
   * Runs `main` as a task on the runner's loop and resolves to its result.
   *
   * @throws {RuntimeError} when an event loop is already running in this
   *   thread, or in a worker thread of the thread pool (see `run()`).
   * @throws {KeyboardInterrupt} when SIGINT cancelled it.
   */
  async run<T>(main: Main<T>): Promise<Awaited<T>> {
    refuseInPoolWorker(main, "Runner.run()");
    checkMain(main, "Runner.run()");
    const running = _getRunningLoop();
    if (running !== undefined && (running !== this.#loop || this.#running)) {
      throw new RuntimeError(
        "Runner.run() cannot be called from a running event loop: await main() there, or createTask(main)",
      );
    }
    this.#lazyInit(undefined);
    const loop = this.#loop!;
    // As CPython's Runner.run: loop.create_task, so through the task factory.
    const task = _newTask(loop, main as TaskBody<unknown>, {}) as Task<Awaited<T>>;
    const interrupts = { interrupts: 0 };
    const removeSigint = _installSigint(task as Task<unknown>, interrupts);
    if (this.#inspectable) _inspectLoop(loop);
    this.#running = true;
    try {
      return await loop.runUntilComplete(task);
    } catch (err) {
      if (err instanceof CancelledError && interrupts.interrupts > 0 && task.uncancel() === 0) {
        _exitWith130IfUncaught();
        throw new KeyboardInterrupt("", { cause: err });
      }
      throw err;
    } finally {
      this.#running = false;
      removeSigint?.();
    }
  }

  /**
   * Finishes the loop: cancels the tasks still pending and waits for them,
   * closes open async generators, shuts the default executor down, writes
   * the trace file if one was asked for, closes the loop. Safe to call twice.
   * A trace file that cannot be written is reported to the loop's exception
   * handler; close() still resolves.
   */
  async close(): Promise<void> {
    if (this.#state !== "initialized") return;
    const loop = this.#loop!;
    const recorder = this.#recorder;
    try {
      await cancelAllTasks(loop, recorder);
      await loop.runUntilComplete(task(loop, recorder, () => loop.shutdownAsyncgens()));
      await loop.runUntilComplete(
        task(loop, recorder, () => loop.shutdownDefaultExecutor({ timeout: THREAD_JOIN_TIMEOUT })),
      );
    } finally {
      this.#writeTrace(loop);
      _reportUnretrieved(loop);
      loop.close();
      _uninspectLoop(loop);
      _releaseThread(loop);
      this.#loop = undefined;
      this.#state = "closed";
    }
  }

  /** `await using runner = new Runner()` closes it at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // The trace recorder stops, and its file is written; a failure goes to
  // the exception handler, as the run's outcome must not be lost to it.
  #writeTrace(loop: EventLoop): void {
    const recorder = this.#recorder;
    if (recorder === undefined) return;
    this.#recorder = undefined;
    loop._setTracer(undefined);
    try {
      recorder.write(); // Stops it first, whether the file can be written or not.
    } catch (exception) {
      loop.callExceptionHandler({
        message:
          `could not write the trace file ${recorder.path} (${String((exception as Error)?.message ?? exception)}); ` +
          "the run itself is not affected: give the trace option (or ASYNCIO_TS_TRACE) a path in a folder that exists and that this process may write to",
        exception,
      });
    }
  }

  // Makes the loop; with `claim`, it holds the thread from now on (run()).
  #lazyInit(claim: string | undefined): void {
    if (this.#state === "closed") throw new RuntimeError("Runner is closed: create a new Runner");
    if (this.#state === "initialized") return;
    const tracePath = this.#tracePath();
    _installThreadSupport(); // Named here, so a bundler keeps the thread pool reachable.
    const loop = this.#loopFactory ? this.#loopFactory() : new EventLoop();
    if (!(loop instanceof EventLoop)) {
      throw typeError(`loopFactory must return an EventLoop, got ${show(loop)}`);
    }
    if (claim !== undefined) _claimThread(loop, claim);
    if (this.#debug !== undefined) loop.setDebug(this.#debug);
    if (this.#taskFactory !== undefined) loop.setTaskFactory(this.#taskFactory);
    if (tracePath !== undefined) {
      const recorder = new _TraceRecorder(tracePath);
      recorder.start(loop);
      loop._setTracer(recorder);
      this.#recorder = recorder;
    }
    this.#loop = loop;
    this.#state = "initialized";
  }

  // The trace file's absolute path, checked: the option's, else ASYNCIO_TS_TRACE's.
  #tracePath(): string | undefined {
    if (this.#trace === false) return undefined;
    if (this.#trace !== undefined) return checkTracePath(this.#trace, "the trace option");
    const path = process.env["ASYNCIO_TS_TRACE"];
    if (path === undefined || path === "") return undefined;
    return checkTracePath(envTracePath(path, ++envTraceRuns), "ASYNCIO_TS_TRACE");
  }
}

// How many runs of this process took their trace path from ASYNCIO_TS_TRACE.
let envTraceRuns = 0;

/** ASYNCIO_TS_TRACE's path for the process's `n`th run that reads it: %p is the process id, %n is `n`. */
function envTracePath(path: string, n: number): string {
  return path.replace(/%[pn]/g, (code) => (code === "%p" ? String(process.pid) : String(n)));
}

function checkTraceOption(trace: unknown): string | false | undefined {
  if (trace === undefined || trace === false || (typeof trace === "string" && trace !== "")) return trace;
  throw typeError(
    `the trace option must be the path of the file to write the trace to, or false, got ${show(trace)}: ` +
      `run(main, { trace: "trace.json" })`,
  );
}

/** The absolute path (from the current directory), if a file can be written there. */
function checkTracePath(path: string, from: string): string {
  const full = resolve(path);
  let problem: string | undefined;
  try {
    const stat = statSync(full, { throwIfNoEntry: false });
    if (stat?.isDirectory() === true) problem = "it is a folder";
    else accessSync(stat === undefined ? dirname(full) : full, constants.W_OK);
  } catch (err) {
    problem = String((err as Error).message ?? err);
  }
  if (problem === undefined) return full;
  const err = new RuntimeError(
    `the trace file ${show(path)} (from ${from}) cannot be written: ${problem}; ` +
      "give a file path in a folder that exists and that this process may write to",
  );
  throw withCode(err, "ERR_ASYNCIO_TRACE_PATH");
}

// A task of run()'s own, at the end: not recorded in the run's trace.
function task<T>(loop: EventLoop, recorder: _TraceRecorder | undefined, fn: () => Promise<T>): Task<T> {
  const make = (): Task<T> => new Task(fn, { loop });
  return recorder === undefined ? make() : recorder.untraced(make);
}

// Port of CPython 3.13 Lib/asyncio/runners.py `_cancel_all_tasks`.
async function cancelAllTasks(loop: EventLoop, recorder: _TraceRecorder | undefined): Promise<void> {
  const toCancel = loop._tasks();
  if (toCancel.length === 0) return;
  for (const t of toCancel) t.cancel();
  loop._cancellingAll = true;
  try {
    await loop.runUntilComplete(
      task(loop, recorder, async () => {
        await gather(...toCancel, { returnExceptions: true });
      }),
    );
  } finally {
    loop._cancellingAll = false;
  }
  for (const t of toCancel) {
    if (t.cancelled()) continue;
    if (t._failed()) {
      loop.callExceptionHandler({
        message: "unhandled exception during asyncio.run() shutdown",
        exception: t.exception(),
        task: t,
      });
    }
  }
}

/**
 * Refuses to run a loop in a worker thread of asyncio-ts's thread pool. Such
 * a worker imports modules to find moduleFunction() exports; a module that
 * calls run() when imported (the entry file exporting the function itself)
 * would start a loop and a pool there, whose workers import it again,
 * without end. The pool marks its workers in workerData with a string key,
 * which any copy of asyncio-ts loaded in the worker sees.
 */
function refuseInPoolWorker(main: unknown, what: string): void {
  if (!_inPoolWorker()) return;
  if (isThenable(main)) main.then(undefined, () => {});
  const err = new RuntimeError(
    `${what} was called in a worker thread of asyncio-ts's thread pool, where it would start a loop and a ` +
      `thread pool of its own. Usually the worker imported a module to find a moduleFunction() export, and that ` +
      `module calls ${what} when imported, so every worker would start more, without end. Move the function ` +
      `to a module of its own that does not call ${what}, and import it from the entry file; or guard the ` +
      `entry: if (isMainThread) await run(main), with isMainThread from node:worker_threads ` +
      `(on Node 24.2+, if (import.meta.main) await run(main))`,
  );
  throw withCode(err, "ERR_ASYNCIO_RUN_IN_POOL_WORKER");
}

function checkMain(main: unknown, what: string): void {
  if (typeof main === "function" || main instanceof Coroutine) return;
  if (isThenable(main)) {
    // Already running: mark its rejection handled, since the error below
    // tells the caller what to do and nothing else will await it.
    main.then(undefined, () => {});
    throw typeError(
      `${what} expects an async function or a Coroutine, got a running ${main instanceof Promise ? "Promise" : "thenable"}: ` +
        "pass the function, run(main), not its result, run(main())",
    );
  }
  throw typeError(`${what} expects an async function or a Coroutine, got ${show(main)}: pass the function, run(main)`);
}

/**
 * Runs `main` on a new event loop and resolves to its result; the main entry
 * point of an asyncio-ts program. At the end it cancels the tasks still
 * pending, closes open async generators, shuts the thread pool down and
 * closes the loop.
 *
 * @param main - An async function, called with no arguments inside the main task, or a Coroutine.
 * @throws {RuntimeError} when an event loop is already running in this
 *   thread; in a worker thread of asyncio-ts's thread pool (code
 *   `ERR_ASYNCIO_RUN_IN_POOL_WORKER`): a module that exports a moduleFunction()
 *   must not call run() when imported, or each worker would start a pool.
 * @throws {TypeError} for a running promise (`run(main())`): pass `main`.
 * @throws {KeyboardInterrupt} when SIGINT cancelled the main task.
 * @example
 * ```ts
 * await run(async () => { console.log("hello"); });
 * ```
 */
export async function run<T>(main: Main<T>, options: RunOptions = {}): Promise<Awaited<T>> {
  refuseInPoolWorker(main, "run()");
  if (_getRunningLoop() !== undefined) {
    if (isThenable(main)) main.then(undefined, () => {});
    throw new RuntimeError("run() cannot be called from a running event loop: await main() there, or createTask(main)");
  }
  checkMain(main, "run()");
  const runner = new Runner(options);
  // Hold the thread from now until the loop is closed, so a second run()
  // started beside this one is refused, as in a thread running asyncio.run.
  runner._claimLoop("run()");
  try {
    return await runner.run(main);
  } finally {
    await runner.close();
  }
}
