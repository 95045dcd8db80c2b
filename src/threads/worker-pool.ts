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
 * WorkerError saying which, and is replaced; other jobs are not lost.
 *
 * @module
 */

import { Worker, type ResourceLimits, type TransferListItem } from "node:worker_threads";
import { CancelledError, WorkerError } from "../errors.js";
import { type JobMessage, type WorkerData, type WorkerMessage, fromWire } from "./protocol.js";
import type { JobSpec } from "./function-source.js";

const ENTRY = new URL("./worker-entry.js", import.meta.url);
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
  /** Shared with the worker: [0] is the id of its running job once cancelled. */
  readonly abortFlag: Int32Array;
  /** Terminated because a cancelled job outran its terminateAfter. */
  terminatedForCancel = false;
  /** Jobs sent, in the order the worker runs them; the first one runs. */
  readonly pending: Job[] = [];
  outbox: JobMessage[] = [];
  idleTimer: NodeJS.Timeout | undefined;
  failure: unknown;

  constructor(worker: Worker, abortFlag: Int32Array) {
    this.worker = worker;
    this.abortFlag = abortFlag;
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
    if (w.pending[0] === job) Atomics.store(w.abortFlag, 0, job.id);
    w.worker.postMessage({ type: "abort", id: job.id });
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
        this.#idle.pop() ?? (this.#workers.size < this.#options.maxWorkers ? this.#spawn() : this.#pipelineTarget());
      if (worker === undefined) return;
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

  #send(w: PoolWorker, job: Job): void {
    clearTimeout(w.idleTimer);
    w.idleTimer = undefined;
    job.state = "running";
    job.worker = w;
    w.pending.push(job);
    if (w.outbox.length === 0) {
      w.worker.ref();
      queueMicrotask(() => this.#flush(w));
    }
    w.outbox.push({ id: job.id, fn: job.spec.ref, args: job.args, signal: job.spec.signal });
  }

  #flush(w: PoolWorker): void {
    const jobs = w.outbox;
    w.outbox = [];
    if (jobs.length === 0 || !this.#workers.has(w)) return;
    try {
      w.worker.postMessage({ type: "jobs", jobs }, transferList(w, jobs));
      return;
    } catch {
      // An argument structured clone cannot copy: send the jobs one by one,
      // and fail the ones that cannot go.
    }
    for (const message of jobs) {
      try {
        w.worker.postMessage({ type: "jobs", jobs: [message] }, transferList(w, [message]));
      } catch (err) {
        const i = w.pending.findIndex((job) => job.id === message.id);
        const [job] = w.pending.splice(i, 1);
        if (job !== undefined && job.state === "running") {
          job.state = "done";
          job.reject(cloneError(err, job));
        }
      }
    }
    if (w.pending.length === 0) this.#release(w);
  }

  #spawn(): PoolWorker {
    const abortFlag = new Int32Array(new SharedArrayBuffer(4));
    const workerData: WorkerData = { abortFlag };
    const worker = new Worker(ENTRY, {
      workerData,
      resourceLimits: this.#options.resourceLimits,
      // The job's console output comes as messages, in order with results.
      stdout: false,
      stderr: false,
    });
    const w = new PoolWorker(worker, abortFlag);
    this.#workers.add(w);
    worker.on("message", (message: WorkerMessage) => this.#onMessage(w, message));
    worker.on("error", (err) => {
      w.failure = err;
    });
    worker.on("exit", (code) => this.#onExit(w, code));
    return w;
  }

  #onMessage(w: PoolWorker, message: WorkerMessage): void {
    for (const item of message.items) {
      if (item.type === "log") {
        (item.stream === "stdout" ? process.stdout : process.stderr).write(item.text);
        continue;
      }
      const i = w.pending.findIndex((job) => job.id === item.id);
      if (i < 0) continue;
      const [job] = w.pending.splice(i, 1);
      if (job!.state !== "running") continue; // Taken back meanwhile: the result is dropped.
      job!.state = "done";
      if (item.ok) job!.resolve(item.value);
      else job!.reject(fromWire(item.error, this.#options.errorClasses));
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
    // The first pending job was running; the others had not started: they
    // go back to the front of the queue, for another worker.
    const [running, ...notStarted] = w.pending.splice(0);
    if (running !== undefined && running.state === "running") {
      running.state = "done";
      running.reject(
        w.terminatedForCancel
          ? new WorkerError(
              `the worker thread running ${jobName(running)} was terminated ${running.spec.terminateAfter} s after the job was cancelled: its finally blocks did not run`,
            )
          : exitError(running, code, w.failure),
      );
    }
    const requeue = notStarted.filter((job) => job.state === "running");
    for (const job of requeue) job.state = "queued";
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

function transferList(w: PoolWorker, jobs: JobMessage[]): TransferListItem[] {
  const list: TransferListItem[] = [];
  for (const message of jobs) {
    const job = w.pending.find((j) => j.id === message.id);
    if (job !== undefined && job.transfer.length > 0) list.push(...job.transfer);
  }
  return list;
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
