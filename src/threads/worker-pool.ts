/**
 * A pool of worker threads: started lazily, reused, released after sitting
 * idle, and never keeping the process alive while idle. A job goes to an
 * idle worker first; when every worker is busy and more jobs wait than there
 * are workers (a burst of small calls), jobs are also queued at the least
 * loaded workers, and the jobs sent to one worker in the same tick travel in
 * one message, so throughput does not pay a round trip per call.
 *
 * asyncio-ts's own, in the role of CPython's concurrent.futures
 * ThreadPoolExecutor internals. A worker that dies while running a job (a
 * crash, process.exit(), running out of memory) fails that job with a
 * WorkerError saying which, and is replaced; other jobs are not lost. A
 * worker that cannot start at all (its entry file missing, a preloaded
 * module failing in it, too little memory to boot) fails the jobs sent to it
 * and those waiting, at once, with a WorkerError saying why and what to do;
 * the pool tries to start one again only after a back-off (0.1 s, doubling
 * up to 30 s), and fails new jobs with the same error meanwhile, so it never
 * loops starting workers that crash.
 *
 * @module
 */

import { Worker, type ResourceLimits, type TransferListItem } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import { CancelledError, WorkerError } from "../errors.js";
import {
  type FunctionRef,
  POOL_WORKER,
  RESULT_STRIDE,
  SHARED_SLOTS,
  SLOT_ABORTED,
  SLOT_LAST_DONE,
  SLOT_RUNNING,
  SLOT_STARTED,
  type WorkerData,
  type WorkerMessage,
  fromWire,
} from "./protocol.js";
import type { JobSpec } from "./function-source.js";
import { workerUrl } from "./worker-entry.js";

// Jobs queued at one busy worker at most, when a burst waits.
const PIPELINE_DEPTH = 16;

/** @internal A job, from submission to outcome. */
export interface Job {
  readonly id: number;
  readonly spec: JobSpec;
  readonly args: unknown[];
  /** Moved into the worker with the job (transfer()). */
  readonly transfer: TransferListItem[];
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
  state: "queued" | "running" | "done";
  /** The worker it was sent to. */
  worker: PoolWorker | undefined;
}

/** @internal */
export interface PoolOptions {
  maxWorkers: number;
  idleTimeout: number;
  resourceLimits: ResourceLimits | undefined;
  errorClasses: ReadonlyMap<string, Function>;
}

class PoolWorker {
  readonly worker: Worker;
  /** Shared with the worker, indexed by the SLOT_ constants. */
  readonly shared: Int32Array;
  /** Jobs sent, in the order the worker runs them. */
  readonly pending: Job[] = [];
  /** Jobs to send on the next flush. */
  outJobs: Job[] = [];
  /** Function numbers this worker has the source of. */
  readonly knownFns = new Set<number>();
  idleTimer: NodeJS.Timeout | undefined;
  failure: unknown;
  /** Terminated because a cancelled job outran its terminateAfter. */
  terminatedForCancel = false;

  constructor(worker: Worker, shared: Int32Array) {
    this.worker = worker;
    this.shared = shared;
  }
}

/** @internal */
export class WorkerPool {
  readonly #options: PoolOptions;
  readonly #workers = new Set<PoolWorker>();
  readonly #idle: PoolWorker[] = [];
  readonly #queue: Job[] = [];
  #queueHead = 0;
  #nextId = 0;
  #drained: (() => void) | undefined;
  // Each distinct function gets a number; a worker gets its source once.
  readonly #fnIds = new Map<string, number>();
  readonly #fnRefs: FunctionRef[] = [];
  // Workers that failed to start, in a row, and the error of the last one:
  // no new worker is started before #startRetryAt (performance.now(), ms).
  #startFailures = 0;
  #startError: WorkerError | undefined;
  #startRetryAt = 0;

  constructor(options: PoolOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#workers.size;
  }

  /** Queues a job; the returned Job settles through its callbacks. */
  submit(
    spec: JobSpec,
    args: unknown[],
    transfer: TransferListItem[],
    resolve: (v: unknown) => void,
    reject: (e: unknown) => void,
  ): Job {
    const job: Job = { id: ++this.#nextId, spec, args, transfer, resolve, reject, state: "queued", worker: undefined };
    this.#queue.push(job);
    this.#dispatch();
    return job;
  }

  /**
   * Takes a queued job back (true). A job already sent to a worker goes on,
   * its result to be dropped (false); if it was made with cancellable(), its
   * JobSignal is aborted, and after `terminateAfter` seconds still running,
   * its worker is terminated and replaced.
   */
  cancel(job: Job): boolean {
    if (job.state === "queued") {
      job.state = "done";
      return true;
    }
    const w = job.worker;
    if (job.state !== "running" || !job.spec.signal || w === undefined || !this.#workers.has(w)) return false;
    if (w.pending[0] === job) Atomics.store(w.shared, SLOT_ABORTED, job.id);
    w.worker.postMessage({ t: "abort", id: job.id });
    const after = job.spec.terminateAfter;
    if (after !== undefined) {
      setTimeout(() => {
        if (w.pending.includes(job) && this.#workers.has(w)) {
          w.terminatedForCancel = true;
          void w.worker.terminate();
        }
      }, after * 1000).unref();
    }
    return false;
  }

  /** Fails every queued job with CancelledError (shutdown with cancelFutures). */
  cancelQueued(): void {
    for (let job = this.#take(); job !== undefined; job = this.#take()) {
      job.state = "done";
      job.reject(new CancelledError("the executor was shut down before the job started"));
    }
  }

  /** Resolves once no job is queued or running. */
  drained(): Promise<void> {
    if (this.#busy() === 0 && this.#queuedCount() === 0) return Promise.resolve();
    return new Promise((resolve) => (this.#drained = resolve));
  }

  /** Terminates every worker; jobs still running fail with `reason`. */
  async terminate(reason: (job: Job) => unknown): Promise<void> {
    const workers = [...this.#workers];
    this.#workers.clear();
    this.#idle.length = 0;
    await Promise.all(
      workers.map(async (w) => {
        clearTimeout(w.idleTimer);
        for (const job of w.pending.splice(0)) {
          if (job.state !== "running") continue;
          job.state = "done";
          job.reject(reason(job));
        }
        await w.worker.terminate();
      }),
    );
  }

  #busy(): number {
    return this.#workers.size - this.#idle.length;
  }

  #queuedCount(): number {
    let n = 0;
    for (let i = this.#queueHead; i < this.#queue.length; i++) if (this.#queue[i]!.state === "queued") n++;
    return n;
  }

  #take(): Job | undefined {
    while (this.#queueHead < this.#queue.length) {
      const job = this.#queue[this.#queueHead]!;
      this.#queue[this.#queueHead++] = undefined as never;
      if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
        this.#queue.splice(0, this.#queueHead);
        this.#queueHead = 0;
      }
      if (job.state === "queued") return job;
    }
    return undefined;
  }

  #dispatch(): void {
    while (this.#queueHead < this.#queue.length) {
      const worker =
        this.#idle.pop() ?? (this.#workers.size < this.#options.maxWorkers ? this.#trySpawn() : this.#pipelineTarget());
      if (worker === undefined) break;
      const job = this.#take();
      if (job === undefined) {
        if (worker.pending.length === 0) this.#toIdle(worker);
        break;
      }
      this.#send(worker, job);
    }
    this.#checkDrained();
  }

  // A busy worker to queue one more job at, when more jobs wait than there
  // are workers: the least loaded, below the pipeline depth.
  #pipelineTarget(): PoolWorker | undefined {
    if (this.#queue.length - this.#queueHead <= this.#workers.size) return undefined;
    let best: PoolWorker | undefined;
    for (const w of this.#workers) {
      if (w.pending.length < PIPELINE_DEPTH && (best === undefined || w.pending.length < best.pending.length)) best = w;
    }
    return best;
  }

  #fnId(ref: FunctionRef): number {
    const key = ref.kind === "source" ? ref.source : `${ref.url}#${ref.name}`;
    let id = this.#fnIds.get(key);
    if (id === undefined) {
      id = this.#fnRefs.push(ref) - 1;
      this.#fnIds.set(key, id);
    }
    return id;
  }

  #send(w: PoolWorker, job: Job): void {
    clearTimeout(w.idleTimer);
    w.idleTimer = undefined;
    job.state = "running";
    job.worker = w;
    w.pending.push(job);
    if (w.outJobs.length === 0) {
      w.worker.ref();
      queueMicrotask(() => this.#flush(w));
    }
    w.outJobs.push(job);
  }

  #message(w: PoolWorker, jobs: Job[], always: boolean): { message: object; transfer: TransferListItem[] } {
    const flat: unknown[] = [];
    const fns: [number, FunctionRef][] = [];
    const transfer: TransferListItem[] = [];
    for (const job of jobs) {
      const fnId = this.#fnId(job.spec.ref);
      if (always || !w.knownFns.has(fnId)) {
        if (!fns.some(([id]) => id === fnId)) fns.push([fnId, job.spec.ref]);
      }
      flat.push(job.id, fnId, job.spec.signal ? 1 : 0, job.args);
      if (job.transfer.length > 0) transfer.push(...job.transfer);
    }
    return { message: { t: "jobs", jobs: flat, fns: fns.length > 0 ? fns : undefined }, transfer };
  }

  #flush(w: PoolWorker): void {
    const jobs = w.outJobs;
    w.outJobs = [];
    if (jobs.length === 0 || !this.#workers.has(w)) return;
    const { message, transfer } = this.#message(w, jobs, false);
    try {
      w.worker.postMessage(message, transfer);
      for (const job of jobs) w.knownFns.add(this.#fnId(job.spec.ref));
      return;
    } catch {
      // An argument structured clone cannot copy: send the jobs one by one,
      // and fail the ones that cannot go.
    }
    for (const job of jobs) {
      const one = this.#message(w, [job], true);
      try {
        w.worker.postMessage(one.message, one.transfer);
        w.knownFns.add(this.#fnId(job.spec.ref));
      } catch (err) {
        const i = w.pending.indexOf(job);
        if (i >= 0) w.pending.splice(i, 1);
        if (job.state === "running") {
          job.state = "done";
          job.reject(cloneError(err, job));
        }
      }
    }
    if (w.pending.length === 0) this.#release(w);
  }

  // A new worker, unless workers failed to start and the back-off has not
  // passed: then the waiting jobs fail with the reason, and none is started.
  #trySpawn(): PoolWorker | undefined {
    if (this.#startError !== undefined && performance.now() < this.#startRetryAt) {
      if (this.#workers.size === 0) this.#failQueued(this.#startError);
      return this.#workers.size === 0 ? undefined : this.#pipelineTarget();
    }
    try {
      return this.#spawn();
    } catch (err) {
      // new Worker() itself refused, for example a bad execArgv.
      this.#startFailed(startError(err, undefined));
      return undefined;
    }
  }

  #startFailed(error: WorkerError): void {
    this.#startFailures++;
    this.#startError = error;
    this.#startRetryAt = performance.now() + Math.min(30_000, 100 * 2 ** (this.#startFailures - 1));
    if (this.#workers.size === 0) this.#failQueued(error);
  }

  #failQueued(error: WorkerError): void {
    for (let job = this.#take(); job !== undefined; job = this.#take()) {
      job.state = "done";
      job.reject(error);
    }
  }

  #spawn(): PoolWorker {
    const shared = new Int32Array(new SharedArrayBuffer(SHARED_SLOTS * 4));
    const workerData: WorkerData = { shared, [POOL_WORKER]: true };
    const worker = new Worker(workerUrl(), {
      workerData,
      resourceLimits: this.#options.resourceLimits,
      // The job's console output comes as messages, in order with results.
      stdout: false,
      stderr: false,
    });
    const w = new PoolWorker(worker, shared);
    this.#workers.add(w);
    worker.on("message", (message: WorkerMessage) => this.#onMessage(w, message));
    worker.on("error", (err) => {
      w.failure = err;
    });
    worker.on("exit", (code) => this.#onExit(w, code));
    return w;
  }

  #onMessage(w: PoolWorker, message: WorkerMessage): void {
    this.#startFailures = 0;
    this.#startError = undefined;
    if (message.t === "out") {
      (message.stream === 1 ? process.stdout : process.stderr).write(message.text);
      return;
    }
    const results = message.results;
    for (let k = 0; k < results.length; k += RESULT_STRIDE) {
      const id = results[k] as number;
      // Results come in the order the jobs were sent: usually the first.
      const i = w.pending[0]?.id === id ? 0 : w.pending.findIndex((job) => job.id === id);
      if (i < 0) continue;
      const [job] = w.pending.splice(i, 1);
      if (job!.state !== "running") continue; // Taken back meanwhile: the result is dropped.
      job!.state = "done";
      if (results[k + 1] === 1) job!.resolve(results[k + 2]);
      else job!.reject(fromWire(results[k + 2] as Parameters<typeof fromWire>[0], this.#options.errorClasses));
    }
    if (w.pending.length === 0) this.#release(w);
  }

  #release(w: PoolWorker): void {
    if (!this.#workers.has(w)) return;
    const job = this.#take();
    if (job !== undefined) {
      this.#send(w, job);
      this.#dispatch();
      return;
    }
    this.#toIdle(w);
    this.#checkDrained();
  }

  #toIdle(w: PoolWorker): void {
    this.#idle.push(w);
    w.worker.unref();
    clearTimeout(w.idleTimer);
    w.idleTimer = setTimeout(() => this.#retire(w), this.#options.idleTimeout * 1000);
    w.idleTimer.unref();
  }

  #retire(w: PoolWorker): void {
    const i = this.#idle.indexOf(w);
    if (i < 0) return;
    this.#idle.splice(i, 1);
    this.#workers.delete(w);
    void w.worker.terminate();
  }

  #onExit(w: PoolWorker, code: number): void {
    const known = this.#workers.delete(w);
    const i = this.#idle.indexOf(w);
    if (i >= 0) this.#idle.splice(i, 1);
    clearTimeout(w.idleTimer);
    // The worker runs its jobs in order: those up to the last one it
    // finished lost their results with it, the running one failed, the rest
    // had not started and go back to the front of the queue.
    if (known && Atomics.load(w.shared, SLOT_STARTED) === 0) {
      // It never started: the jobs sent to it fail, and so do the waiting
      // ones, rather than going to a new worker that would fail the same way.
      const error = startError(w.failure, code);
      for (const job of w.pending.splice(0)) {
        if (job.state !== "running") continue;
        job.state = "done";
        job.reject(error);
      }
      this.#startFailed(error);
      this.#dispatch();
      return;
    }
    const runningId = Atomics.load(w.shared, SLOT_RUNNING);
    const lastDone = Atomics.load(w.shared, SLOT_LAST_DONE);
    const jobs = w.pending.splice(0);
    const doneUpTo = jobs.findIndex((job) => job.id === lastDone);
    const requeue: Job[] = [];
    jobs.forEach((job, i) => {
      if (job.state !== "running") return;
      if (i <= doneUpTo) {
        job.state = "done";
        job.reject(new WorkerError(`the worker thread that ran ${jobName(job)} died before sending its result back`, { cause: w.failure }));
      } else if (job.id === runningId) {
        job.state = "done";
        job.reject(
          w.terminatedForCancel
            ? new WorkerError(
                `the worker thread running ${jobName(job)} was terminated ${job.spec.terminateAfter} s after the job was cancelled: its finally blocks did not run`,
              )
            : exitError(job, code, w.failure),
        );
      } else {
        job.state = "queued";
        requeue.push(job);
      }
    });
    if (runningId === 0 && w.failure !== undefined && requeue.length === jobs.length) {
      process.stderr.write(`asyncio-ts: a worker thread crashed between jobs: ${String((w.failure as Error).message ?? w.failure)}\n`);
    }
    this.#queue.splice(this.#queueHead, 0, ...requeue);
    if (known) this.#dispatch();
    this.#checkDrained();
  }

  #checkDrained(): void {
    if (this.#drained !== undefined && this.#busy() === 0 && this.#queuedCount() === 0) {
      const done = this.#drained;
      this.#drained = undefined;
      done();
    }
  }
}

function jobName(job: Job): string {
  return job.spec.ref.name || "the function";
}

function exitError(job: Job, code: number, failure: unknown): WorkerError {
  const name = jobName(job);
  if ((failure as { code?: string } | undefined)?.code === "ERR_WORKER_OUT_OF_MEMORY") {
    return new WorkerError(`the worker thread running ${name} ran out of memory (resourceLimits): give it more, or use less`, {
      cause: failure,
    });
  }
  if (failure !== undefined) {
    return new WorkerError(`the worker thread running ${name} crashed: ${String((failure as Error).message ?? failure)}`, {
      cause: failure,
    });
  }
  return new WorkerError(
    `the worker thread running ${name} exited with code ${code}: did the function call process.exit()? Return or throw instead`,
  );
}

/** Why a worker thread could not start, and what to do about it. */
function startError(failure: unknown, code: number | undefined): WorkerError {
  const detail = failure instanceof Error ? failure.message : failure !== undefined ? String(failure) : `exit code ${code}`;
  const errCode = (failure as { code?: string } | undefined)?.code;
  let advice: string;
  if ((errCode === "ERR_MODULE_NOT_FOUND" || errCode === "MODULE_NOT_FOUND") && detail.includes("worker-entry")) {
    advice =
      "asyncio-ts's worker entry file is missing next to its code: run asyncio-ts from its built files (the package's dist/), not from its TypeScript sources, and keep dist/threads/worker-entry.js beside a bundle";
  } else if (errCode === "ERR_WORKER_OUT_OF_MEMORY") {
    advice = "resourceLimits leave it too little memory to start: give ThreadPoolExecutor more";
  } else if (errCode === "ERR_WORKER_INVALID_EXEC_ARGV") {
    advice = "a Node option of this process (process.execArgv) cannot be used in a worker thread: start Node without it";
  } else {
    advice =
      "check the Node options worker threads inherit (process.execArgv: --import, --require, --loader): a module they preload must load in a worker thread too";
  }
  return new WorkerError(`a worker thread could not start (${detail}): ${advice}`, { cause: failure });
}

function cloneError(err: unknown, job: Job): TypeError {
  let position = -1;
  for (let i = 0; i < job.args.length; i++) {
    try {
      structuredClone(job.args[i]);
    } catch {
      position = i;
      break;
    }
  }
  const which = position >= 0 ? `argument ${position + 1} of ${jobName(job)}` : `an argument of ${jobName(job)}`;
  const e = new TypeError(
    `${which} cannot be sent to a worker thread: ${String((err as Error).message).replace(/\.$/, "")}; pass plain data (structured-cloneable), not functions or class instances with behaviour`,
    { cause: err },
  );
  Object.defineProperty(e, "code", { value: "ERR_ASYNCIO_NOT_CLONEABLE", enumerable: true });
  return e;
}
