/**
 * ThreadPoolExecutor: a pool of worker threads for blocking and CPU-bound
 * functions; `toThread` uses the loop's default one.
 *
 * Port of the interface of CPython 3.13 Lib/concurrent/futures/thread.py
 * `ThreadPoolExecutor` (submit, map, shutdown). Differs: the workers are
 * Node worker threads, which share no objects with the caller, so functions
 * travel as source or module exports and values by structured clone; there is
 * no GIL, so CPU-bound work runs in parallel. `submit` returns a Promise.
 *
 * @module
 */

import { availableParallelism } from "node:os";
import type { ResourceLimits } from "node:worker_threads";
import {
  CancelledError,
  InvalidStateError,
  KeyboardInterrupt,
  RuntimeError,
  TimeoutError,
  WorkerError,
  checkSeconds,
  show,
  typeError,
  withCode,
} from "../errors.js";
import { IMPORTING, _inPoolWorker } from "./protocol.js";
import {
  type CancellableFunction,
  type JobSpec,
  type ModuleFunction,
  _jobSpec,
  _unwrapTransfers,
} from "./function-source.js";
import { type Job, type JobOwner, WorkerPool } from "./worker-pool.js";

// asyncio-ts's own errors come back as themselves without registration.
const errorClasses = new Map<string, Function>(
  [CancelledError, TimeoutError, InvalidStateError, RuntimeError, KeyboardInterrupt, WorkerError].map((cls) => [
    cls.name,
    cls,
  ]),
);

/**
 * Registers error classes, so that an error of that class thrown in a worker
 * thread arrives as an instance of it (`instanceof` holds). Classes are found
 * by their name; built-in errors and asyncio-ts's own need no registration.
 *
 * @example
 * ```ts
 * class QuotaError extends Error {}
 * registerErrorClass(QuotaError);
 * try { await toThread(fn); } catch (err) { err instanceof QuotaError; }
 * ```
 */
export function registerErrorClass(...classes: (abstract new (...args: any[]) => Error)[]): void {
  for (const cls of classes) {
    if (typeof cls !== "function" || !(cls.prototype instanceof Error || (cls as unknown) === Error)) {
      throw typeError(`registerErrorClass() expects Error classes, got ${show(cls)}`);
    }
    errorClasses.set(cls.name, cls);
  }
}

/** Options of `new ThreadPoolExecutor()`. */
export interface ThreadPoolExecutorOptions {
  /** Most worker threads at once; default min(32, cores + 4), as CPython. Workers start lazily. */
  maxWorkers?: number;
  /** Seconds an idle worker stays before it is released; default 10. */
  idleTimeout?: number;
  /** Memory limits of each worker thread (Node's resourceLimits). */
  resourceLimits?: ResourceLimits;
}

/** Options of `shutdown()`. */
export interface ShutdownOptions {
  /** Wait for the jobs to finish (default true). */
  wait?: boolean;
  /** Fail the jobs not started yet with CancelledError (default false). */
  cancelFutures?: boolean;
  /**
   * With `wait`: after this many seconds, terminate the workers and say so;
   * null waits without a limit. Default 300, as CPython's run() allows.
   */
  timeout?: number | null;
}

type Fn = (...args: any[]) => unknown;

/** A promise, and the JobOwner that settles it with the job's outcome. */
function promiseOwner(): { promise: Promise<unknown>; owner: JobOwner } {
  let owner!: JobOwner;
  const promise = new Promise<unknown>((resolve, reject) => {
    owner = { _jobResolved: resolve, _jobRejected: reject };
  });
  return { promise, owner };
}

/**
 * A pool of worker threads.
 *
 * @example
 * ```ts
 * await using pool = new ThreadPoolExecutor({ maxWorkers: 4 });
 * const n = await pool.submit((a: number, b: number) => a + b, 1, 2); // 3
 * ```
 */
export class ThreadPoolExecutor {
  readonly #pool: WorkerPool;
  readonly maxWorkers: number;
  #shutdown = false;

  constructor(options: ThreadPoolExecutorOptions = {}) {
    const maxWorkers = options.maxWorkers ?? Math.min(32, availableParallelism() + 4);
    if (!Number.isInteger(maxWorkers) || maxWorkers < 1) {
      throw typeError(`maxWorkers must be a whole number of at least 1, got ${show(maxWorkers)}`);
    }
    const idleTimeout = checkSeconds(options.idleTimeout ?? 10, "idleTimeout", { negative: false });
    this.maxWorkers = maxWorkers;
    this.#pool = new WorkerPool({
      maxWorkers,
      idleTimeout,
      resourceLimits: options.resourceLimits,
      errorClasses,
    });
  }

  /** How many worker threads are alive now (started on demand, released when idle). */
  get threadCount(): number {
    return this.#pool.size;
  }

  /** Runs `fn(...args)` in a worker thread; resolves to its result. */
  submit<F extends Fn>(fn: F | ModuleFunction<F>, ...args: Parameters<F>): Promise<Awaited<ReturnType<F>>>;
  submit<A extends unknown[], R>(fn: CancellableFunction<A, R>, ...args: A): Promise<Awaited<R>>;
  submit(fn: unknown, ...args: unknown[]): Promise<unknown> {
    const spec = this._check(fn, "submit()");
    const { promise, owner } = promiseOwner();
    this._submit(spec, args, owner);
    return promise;
  }

  /** @internal What the pool needs to know of `fn`; throws the caller's error for what cannot run. */
  _check(fn: unknown, what: string): JobSpec {
    const spec = _jobSpec(fn, what);
    refuseWhileImporting(what);
    if (this.#shutdown) {
      throw new RuntimeError(`cannot schedule new futures after shutdown: ${what} needs an executor that is open`);
    }
    return spec;
  }

  /** @internal Queues a job checked by `_check`; `owner` hears of its outcome. */
  _submit(spec: JobSpec, args: unknown[], owner: JobOwner): Job {
    const unwrapped = _unwrapTransfers(args);
    return this.#pool.submit(spec, unwrapped.args, unwrapped.transfer, owner);
  }

  /** @internal Takes back a job that has not started (true); see WorkerPool.cancel. */
  _cancel(job: Job): boolean {
    return this.#pool.cancel(job);
  }

  /**
   * Runs `fn` on each item, in parallel; yields the results in order.
   *
   * @example
   * ```ts
   * for await (const square of pool.map((x: number) => x * x, [1, 2, 3])) console.log(square);
   * ```
   */
  async *map<T, R>(
    fn: ((item: T) => R) | ModuleFunction<(item: T) => R>,
    items: Iterable<T>,
  ): AsyncGenerator<Awaited<R>> {
    const spec = this._check(fn, "map()");
    const jobs: { job: Job; promise: Promise<unknown> }[] = [];
    for (const item of items) {
      const { promise, owner } = promiseOwner();
      jobs.push({ job: this._submit(spec, [item], owner), promise });
    }
    try {
      for (const { promise } of jobs) yield (await promise) as Awaited<R>;
    } finally {
      for (const { job, promise } of jobs) {
        this._cancel(job);
        promise.catch(() => {}); // Outcomes no one will read.
      }
    }
  }

  /**
   * Stops taking jobs. With `wait` (the default), resolves once the jobs are
   * done, terminating the workers after `timeout` seconds; then releases them.
   */
  async shutdown(options: ShutdownOptions = {}): Promise<void> {
    const { wait = true, cancelFutures = false, timeout = 300 } = options;
    if (timeout !== null) checkSeconds(timeout, "shutdown() timeout (or null for no limit)", { negative: false });
    this.#shutdown = true;
    if (cancelFutures) this.#pool.cancelQueued();
    if (!wait) {
      void this.#pool.drained().then(() => this.#pool.terminate(terminated));
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      if (timeout !== null) timer = setTimeout(() => resolve(true), timeout * 1000);
    });
    const finished = await Promise.race([this.#pool.drained().then(() => false), timedOut]);
    clearTimeout(timer);
    if (finished) {
      console.warn(
        `asyncio-ts: the thread pool's jobs did not finish within ${timeout} seconds of shutdown; terminating its worker threads`,
      );
    }
    await this.#pool.terminate(terminated);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }
}

/**
 * Refuses a job submitted while a worker thread of the pool imports a module
 * to find a moduleFunction() export: that module's top-level code starts
 * jobs, so every worker that imports it would start a pool of its own,
 * without end.
 */
function refuseWhileImporting(what: string): void {
  const url = (globalThis as Record<string, unknown>)[IMPORTING];
  if (url === undefined || !_inPoolWorker()) return;
  const err = new RuntimeError(
    `${what} was called while a worker thread of asyncio-ts's thread pool imported ${String(url)} to find a ` +
      `moduleFunction() export: that module starts thread-pool jobs when imported, so every worker would start ` +
      `a pool of its own, without end. Move the function to a module of its own that starts nothing when ` +
      `imported, and import it from the entry file; or guard the module's top-level code with ` +
      `if (isMainThread) { ... }, isMainThread from node:worker_threads`,
  );
  throw withCode(err, "ERR_ASYNCIO_POOL_IN_POOL_WORKER");
}

function terminated(job: Job): WorkerError {
  return new WorkerError(
    `the worker thread running ${job.spec.ref.name || "the function"} was terminated at shutdown: its finally blocks did not run`,
  );
}
