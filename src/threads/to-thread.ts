/**
 * toThread() and runInExecutor(): run a function in a worker thread and
 * await its result like anything else.
 *
 * Port of CPython 3.13 Lib/asyncio/threads.py `to_thread` and
 * base_events.py `run_in_executor`. Differs: the function runs in a Node
 * worker thread, so it must be self-contained (its source is sent) or a
 * module export (see moduleFunction); arguments and results are
 * structured-cloned; without a GIL, CPU-bound functions run in parallel.
 * Cancelling the awaiting task raises CancelledError in it at once, as in
 * CPython; a job not started yet is dropped, a running one finishes and its
 * result is discarded.
 *
 * @module
 */

import { Future } from "../futures.js";
import { type EventLoop, type ExecutorSupport, _registerExecutorSupport } from "../loop/event-loop.js";
import { getRunningLoop } from "../loop/running-loop.js";
import { ThreadPoolExecutor } from "./executor.js";
import type { Job, JobOwner } from "./worker-pool.js";
import type { CancellableFunction, ModuleFunction } from "./function-source.js";

type Fn = (...args: any[]) => unknown;

/**
 * The Future of a job: the pool settles it directly, and cancelling it
 * takes back the job if it has not started.
 */
class ExecutorFuture<T> extends Future<T> implements JobOwner {
  _executor: ThreadPoolExecutor | undefined = undefined;
  _job: Job | undefined = undefined;
  override cancel(msg?: string): boolean {
    if (!super.cancel(msg)) return false;
    if (this._job !== undefined) this._executor!._cancel(this._job);
    return true;
  }
  /** @internal */
  override _describe(): string {
    const job = this._job;
    if (job === undefined) return "toThread job";
    const worker = job.worker?.worker.threadId;
    return `toThread job ${job.id} ${worker === undefined ? "(queued)" : `on worker thread ${worker}`}`;
  }
  _jobResolved(value: unknown): void {
    if (!this.done()) this.setResult(value as T);
  }
  _jobRejected(reason: unknown): void {
    if (!this.done()) this.setException(reason);
  }
}

/** @internal */
export function _runInExecutor(
  loop: EventLoop,
  executor: ThreadPoolExecutor | null | undefined,
  fn: unknown,
  args: unknown[],
  what: string,
): Future<unknown> {
  const exec = executor ?? loop._defaultExecutorForJobs();
  const spec = exec._check(fn, what);
  const future = new ExecutorFuture<unknown>({ loop });
  future._executor = exec;
  future._job = exec._submit(spec, args, future);
  return future;
}

/**
 * Runs `fn(...args)` in a worker thread of the loop's default executor and
 * resolves to its result; the event loop stays free meanwhile, and CPU-bound
 * functions run in parallel.
 *
 * @param fn - A self-contained function (it uses only its parameters and
 *   globals), or a module export named with `moduleFunction()`.
 * @throws {TypeError} for a native, bound or class function, or an argument that cannot be cloned.
 * @throws {ReferenceError} when `fn` uses a variable of its scope, naming it and saying what to do instead.
 * @example
 * ```ts
 * function fib(n: number): number { return n < 2 ? n : fib(n - 1) + fib(n - 2); } // its own name: fine
 * const [a, b] = await gather(toThread(fib, 30), toThread(fib, 31)); // two threads at once
 * ```
 */
export function toThread<F extends Fn>(
  fn: F | ModuleFunction<F>,
  ...args: Parameters<F>
): Future<Awaited<ReturnType<F>>>;
export function toThread<A extends unknown[], R>(fn: CancellableFunction<A, R>, ...args: A): Future<Awaited<R>>;
export function toThread(fn: unknown, ...args: unknown[]): Future<unknown> {
  return _runInExecutor(getRunningLoop(), null, fn, args, "toThread()");
}

/**
 * @internal Lets loops run jobs in executors (loop.runInExecutor,
 * setDefaultExecutor): run() calls it, and so does loading this module.
 */
export function _installThreadSupport(): void {
  _registerExecutorSupport(THREAD_SUPPORT);
}

const THREAD_SUPPORT: ExecutorSupport = {
  isExecutor: (value): value is ThreadPoolExecutor => value instanceof ThreadPoolExecutor,
  newDefault: () => new ThreadPoolExecutor(),
  runInExecutor: _runInExecutor,
};
_installThreadSupport();
