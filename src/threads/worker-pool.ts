/**
 * A pool of worker threads: started lazily, reused, released after sitting
 * idle, and never keeping the process alive while idle. A job goes to an
 * idle worker first; with none idle, a new worker starts at once while the
 * pool has fewer workers than cores, and beyond that only when the busy
 * workers are found blocked rather than computing (a check every 5 ms while
 * jobs wait), since a worker costs tens of milliseconds of CPU to start.
 * When more jobs wait than there are workers (a burst of small calls), jobs
 * are also queued at the least loaded workers, and the jobs sent to one
 * worker in the same tick travel in one message, so throughput does not pay
 * a round trip per call. Jobs a worker has not started can be taken back
 * (SLOT_CLAIMED): a worker that becomes free takes those waiting at a worker
 * stuck in a long job, so no job waits while another worker could run it.
 *
 * asyncio-ts's own, in the role of CPython's concurrent.futures
 * ThreadPoolExecutor internals. A worker that dies while running a job (a
 * crash, process.exit(), running out of memory) fails that job with a
 * WorkerError saying which, and is replaced; other jobs are not lost. A
 * worker that cannot start at all (a preloaded module failing in it, too
 * little memory to boot, its program broken by a bundler) fails the jobs sent to it
 * and those waiting, at once, with a WorkerError saying why and what to do;
 * the pool tries to start one again only after a back-off (0.1 s, doubling
 * up to 30 s), and fails new jobs with the same error meanwhile, so it never
 * loops starting workers that crash.
 *
 * @module
 */

import type { ResourceLimits, TransferListItem, Worker } from "node:worker_threads";
import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import { CancelledError, WorkerError, withCode } from "../errors.js";
import {
  type FunctionRef,
  JOB_SIGNAL,
  JOB_TIMED,
  POOL_WORKER,
  RESULT_STRIDE,
  SHARED_SLOTS,
  SLOT_ABORTED,
  SLOT_CLAIMED,
  SLOT_LAST_DONE,
  SLOT_RUNNING,
  SLOT_STARTED,
  TIME_STRIDE,
  type WorkerData,
  type WorkerMessage,
  fromWire,
} from "./protocol.js";
import type { JobSpec } from "./function-source.js";
import { workerUrl } from "./worker-entry.js";

// Jobs queued at one busy worker at most, when a burst waits.
const PIPELINE_DEPTH = 16;
// While jobs wait and the pool has room for more workers, how often (ms) it
// checks whether its busy workers compute or are blocked.
const GROW_CHECK_MS = 5;
// A busy worker that has sent nothing for this long (ms) runs a long job:
// the jobs waiting at it go back to the queue when another worker is free.
const STALL_MS = 5;
const CORES = availableParallelism();

/** @internal Who hears of a job's outcome: the Future of toThread, or the promise of submit(). */
export interface JobOwner {
  _jobResolved(value: unknown): void;
  _jobRejected(reason: unknown): void;
}

/** @internal A job, from submission to outcome. */
export interface Job {
  readonly id: number;
  readonly spec: JobSpec;
  readonly args: unknown[];
  /** Moved into the worker with the job (transfer()). */
  readonly transfer: TransferListItem[];
  /** Told of the outcome, once. */
  readonly owner: JobOwner;
  state: "queued" | "running" | "done";
  /** The worker it was sent to. */
  worker: PoolWorker | undefined;
  /** Its number among the jobs sent to that worker (1, 2, ...), once sent; see SLOT_CLAIMED. */
  seq: number;
  /** The caller gave up on it: if it comes back to the queue, it is dropped. */
  cancelled: boolean;
  /** Its worker reports when it started and ended (a JobObserver was observing when it was submitted). */
  timed: boolean;
}

/**
 * @internal Told of the jobs of every pool while observing (a trace
 * recorder): the pool knows nothing of loops and tasks, and the observer
 * does not look into the pool.
 */
export interface JobObserver {
  /** `job` was queued, in the submitter's code. */
  jobSubmitted(job: Job): void;
  /**
   * `job` ran in the worker thread `threadId` from `start` to `end`
   * (microseconds on process.hrtime's clock); `ok`: it returned rather than
   * threw. Called when its result arrives, before its owner hears of it.
   */
  jobRan(job: Job, threadId: number, start: number, end: number, ok: boolean): void;
}

// The observers now: jobs are timed while there is one, and each is told
// of every job. Each recorder adds itself and removes itself, in any order.
const observers = new Set<JobObserver>();

/** @internal Tells `observer` of every job submitted from now until `_unobserveJobs(observer)`. */
export function _observeJobs(observer: JobObserver): void {
  observers.add(observer);
}

/** @internal Stops telling `observer` of jobs. */
export function _unobserveJobs(observer: JobObserver): void {
  observers.delete(observer);
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
  /** How many jobs were posted to it: the seq of the last one. */
  sent = 0;
  /**
   * performance.now() when it was last seen making progress: a message from
   * it, its first job after being idle, or its claimed count moving on.
   */
  lastProgress = 0;
  /** SLOT_CLAIMED when last looked at. */
  claimedSeen = 0;
  /** Its waiting jobs were taken back while one ran: none is queued at it until it reports. */
  stalled = false;
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
  // Workers started as soon as a job finds none idle: one per core at most.
  readonly #eagerWorkers: number;
  // More workers the next dispatch may start (the growth check found the
  // busy ones blocked); the growth check's timer, CPU time and clock.
  #spawnBudget = 0;
  #growTimer: NodeJS.Timeout | undefined;
  #growCpu: NodeJS.CpuUsage | undefined;
  #growAt = 0;
  #growStarting = false;
  #dispatchQueued = false;
  // Terminated: starts no worker.
  #closed = false;

  constructor(options: PoolOptions) {
    this.#options = options;
    this.#eagerWorkers = Math.min(options.maxWorkers, CORES);
  }

  get size(): number {
    return this.#workers.size;
  }

  /** Queues a job; the returned Job settles through its callbacks. */
  submit(spec: JobSpec, args: unknown[], transfer: TransferListItem[], owner: JobOwner): Job {
    const job: Job = {
      id: ++this.#nextId,
      spec,
      args,
      transfer,
      owner,
      state: "queued",
      worker: undefined,
      seq: 0,
      cancelled: false,
      timed: observers.size > 0,
    };
    if (job.timed) for (const observer of observers) observer.jobSubmitted(job);
    this.#queue.push(job);
    this.#dispatch();
    return job;
  }

  /**
   * Takes back a job that has not started (true), even one sent to a
   * worker. A job already running goes on, its result to be dropped
   * (false); if it was made with cancellable(), its JobSignal is aborted,
   * and after `terminateAfter` seconds still running, its worker is
   * terminated and replaced.
   */
  cancel(job: Job): boolean {
    job.cancelled = true;
    if (job.state === "queued") {
      job.state = "done";
      return true;
    }
    const w = job.worker;
    if (job.state !== "running" || w === undefined || !this.#workers.has(w)) return false;
    // Waiting at its worker: take back the jobs waiting there; this one is
    // dropped, the others are sent again (once, for all cancels of a tick).
    if (this.#takeBack(w) > 0) this.#dispatchSoon();
    if ((job.state as Job["state"]) === "done") return true;
    if (!job.spec.signal) return false;
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
      job.owner._jobRejected(new CancelledError("the executor was shut down before the job started"));
    }
  }

  /** Resolves once no job is queued or running. */
  drained(): Promise<void> {
    if (this.#busy() === 0 && this.#queuedCount() === 0) return Promise.resolve();
    return new Promise((resolve) => (this.#drained = resolve));
  }

  /** Terminates every worker; jobs still running fail with `reason`. */
  async terminate(reason: (job: Job) => unknown): Promise<void> {
    clearTimeout(this.#growTimer);
    this.#growTimer = undefined;
    this.#closed = true;
    const workers = [...this.#workers];
    this.#workers.clear();
    this.#idle.length = 0;
    await Promise.all(
      workers.map(async (w) => {
        clearTimeout(w.idleTimer);
        for (const job of w.pending.splice(0)) {
          if (job.state !== "running") continue;
          job.state = "done";
          job.owner._jobRejected(reason(job));
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

  #hasQueued(): boolean {
    while (this.#queueHead < this.#queue.length) {
      if (this.#queue[this.#queueHead]!.state === "queued") return true;
      this.#queue[this.#queueHead++] = undefined as never;
    }
    return false;
  }

  #dispatch(): void {
    while (this.#hasQueued()) {
      const worker = this.#idle.pop() ?? this.#newWorker() ?? this.#pipelineTarget();
      if (worker === undefined) break;
      const job = this.#take();
      if (job === undefined) {
        if (worker.pending.length === 0) this.#toIdle(worker);
        break;
      }
      this.#send(worker, job);
    }
    this.#armGrowth();
    this.#checkDrained();
  }

  #dispatchSoon(): void {
    if (this.#dispatchQueued) return;
    this.#dispatchQueued = true;
    queueMicrotask(() => {
      this.#dispatchQueued = false;
      this.#dispatch();
    });
  }

  // A new worker for a job that finds none idle: at once up to one per
  // core, more only as the growth check allows.
  #newWorker(): PoolWorker | undefined {
    const size = this.#workers.size;
    if (size >= this.#options.maxWorkers || this.#closed) return undefined;
    if (size >= this.#eagerWorkers) {
      if (this.#spawnBudget <= 0) return undefined;
      this.#spawnBudget--;
    }
    return this.#trySpawn();
  }

  // A busy worker to queue one more job at, when more jobs wait than there
  // are workers: the least loaded, below the pipeline depth, and not one
  // whose jobs were taken back because it is stuck in a long job.
  #pipelineTarget(): PoolWorker | undefined {
    if (this.#queue.length - this.#queueHead <= this.#workers.size) return undefined;
    let best: PoolWorker | undefined;
    for (const w of this.#workers) {
      if (w.stalled || w.pending.length >= PIPELINE_DEPTH) continue;
      if (best === undefined || w.pending.length < best.pending.length) best = w;
    }
    return best;
  }

  /** How many jobs sent to `w` it has not started. */
  #unstarted(w: PoolWorker): number {
    return w.sent - Atomics.load(w.shared, SLOT_CLAIMED) + w.outJobs.length;
  }

  /**
   * Takes back the jobs `w` has not started, and puts them at the front of
   * the queue (cancelled ones are dropped); returns how many. Jobs not
   * posted yet are simply not sent; the posted ones are claimed with the
   * worker's own counter (SLOT_CLAIMED), so none is both run and taken back.
   */
  #takeBack(w: PoolWorker): number {
    let claimed = Atomics.load(w.shared, SLOT_CLAIMED);
    while (claimed < w.sent) {
      const seen = Atomics.compareExchange(w.shared, SLOT_CLAIMED, claimed, w.sent);
      if (seen === claimed) break;
      claimed = seen;
    }
    w.outJobs = [];
    const taken: Job[] = [];
    let kept = 0;
    for (const job of w.pending) {
      if (job.seq === 0 || job.seq > claimed) taken.push(job);
      else w.pending[kept++] = job;
    }
    if (taken.length === 0) return 0;
    w.pending.length = kept;
    const requeue: Job[] = [];
    for (const job of taken) {
      job.worker = undefined;
      job.seq = 0;
      job.state = job.cancelled ? "done" : "queued";
      if (!job.cancelled) requeue.push(job);
    }
    this.#queue.splice(this.#queueHead, 0, ...requeue);
    if (w.pending.length === 0) this.#toIdle(w);
    return taken.length;
  }

  /**
   * Before `w` (free now) takes a job: jobs waiting at a worker that has
   * sent nothing for STALL_MS (stuck in a long job) come back to the queue,
   * ahead of the jobs in it; and if nothing else waits, `w` takes the
   * waiting jobs of the most loaded worker. A job never waits at a busy
   * worker while another one is free.
   */
  #reclaim(w: PoolWorker | undefined): void {
    const now = performance.now();
    let busiest: PoolWorker | undefined;
    let most = 0;
    for (const v of this.#workers) {
      if (v === w || v.pending.length === 0) continue;
      const waiting = this.#unstarted(v);
      if (waiting === 0) continue;
      // Its count moves on as it starts jobs, even while this thread is too
      // busy to read its messages.
      const claimed = Atomics.load(v.shared, SLOT_CLAIMED);
      if (claimed !== v.claimedSeen) {
        v.claimedSeen = claimed;
        v.lastProgress = now;
      }
      if (now - v.lastProgress >= STALL_MS) {
        this.#takeBack(v);
        v.stalled = v.pending.length > 0;
      } else if (waiting > most) {
        busiest = v;
        most = waiting;
      }
    }
    if (w !== undefined && busiest !== undefined && !this.#hasQueued()) this.#takeBack(busiest);
  }

  // While jobs wait and the pool has room, check every GROW_CHECK_MS whether
  // the busy workers use the CPU; if they use clearly less than they could
  // (blocked in I/O, sleeps or locks, not computing), start workers for the
  // waiting jobs. Computing workers get no company: on a full CPU another
  // thread only slows them down, and would cost tens of ms to start.
  #armGrowth(): void {
    if (this.#growTimer !== undefined || this.#workers.size >= this.#options.maxWorkers || this.#closed) return;
    if (!this.#hasQueued() && !this.#anyUnstarted()) return;
    this.#growCpu = process.cpuUsage();
    this.#growAt = performance.now();
    this.#growStarting = this.#busyWorkers().starting;
    this.#growTimer = setTimeout(() => this.#growCheck(), GROW_CHECK_MS);
    this.#growTimer.unref();
  }

  #anyUnstarted(): boolean {
    for (const w of this.#workers) if (w.pending.length > 1 && this.#unstarted(w) > 0) return true;
    return false;
  }

  /** How many workers have jobs, and whether one of them is still starting. */
  #busyWorkers(): { busy: number; starting: boolean } {
    let busy = 0;
    let starting = false;
    for (const w of this.#workers) {
      if (w.pending.length === 0) continue;
      busy++;
      if (Atomics.load(w.shared, SLOT_STARTED) === 0) starting = true;
    }
    return { busy, starting };
  }

  #growCheck(): void {
    this.#growTimer = undefined;
    const elapsed = performance.now() - this.#growAt;
    const used = process.cpuUsage(this.#growCpu);
    const cores = (used.user + used.system) / 1000 / elapsed;
    // A busy worker computes or is blocked. One starting is neither (its
    // start takes a core, or waits for one on a loaded machine), and the
    // check waits for a period in which all of them have started. Workers
    // that compute use about a core each (up to the cores there are): if
    // the busy ones use less than half that, they are mostly blocked.
    const { busy, starting } = this.#busyWorkers();
    if (!starting && !this.#growStarting && cores < Math.min(busy, CORES) / 2) {
      this.#reclaim(undefined);
      this.#spawnBudget = this.#options.maxWorkers - this.#workers.size;
      this.#dispatch();
      this.#spawnBudget = 0;
    }
    this.#armGrowth();
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
    if (w.pending.length === 0) {
      w.lastProgress = performance.now();
      w.stalled = false;
    }
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
      flat.push(job.id, fnId, (job.spec.signal ? JOB_SIGNAL : 0) | (job.timed ? JOB_TIMED : 0), job.args);
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
      for (const job of jobs) {
        job.seq = ++w.sent;
        w.knownFns.add(this.#fnId(job.spec.ref));
      }
      return;
    } catch {
      // An argument structured clone cannot copy: send the jobs one by one,
      // and fail the ones that cannot go.
    }
    for (const job of jobs) {
      const one = this.#message(w, [job], true);
      try {
        w.worker.postMessage(one.message, one.transfer);
        job.seq = ++w.sent;
        w.knownFns.add(this.#fnId(job.spec.ref));
      } catch (err) {
        const i = w.pending.indexOf(job);
        if (i >= 0) w.pending.splice(i, 1);
        if (job.state === "running") {
          job.state = "done";
          job.owner._jobRejected(cloneError(err, job));
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
      return undefined;
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
      job.owner._jobRejected(error);
    }
  }

  #spawn(): PoolWorker {
    const shared = new Int32Array(new SharedArrayBuffer(SHARED_SLOTS * 4));
    const workerData: WorkerData = { shared, [POOL_WORKER]: true };
    const { Worker } = process.getBuiltinModule("node:worker_threads");
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
    w.lastProgress = performance.now();
    if (message.t === "out") {
      (message.stream === 1 ? process.stdout : process.stderr).write(message.text);
      return;
    }
    w.stalled = false;
    if (message.times !== undefined) this.#onTimes(w, message.times);
    const results = message.results;
    for (let k = 0; k < results.length; k += RESULT_STRIDE) {
      const id = results[k] as number;
      // Results come in the order the jobs were sent: usually the first.
      const i = w.pending[0]?.id === id ? 0 : w.pending.findIndex((job) => job.id === id);
      if (i < 0) continue;
      const [job] = w.pending.splice(i, 1);
      if (job!.state !== "running") continue; // Taken back meanwhile: the result is dropped.
      job!.state = "done";
      if (results[k + 1] === 1) job!.owner._jobResolved(results[k + 2]);
      else
        job!.owner._jobRejected(fromWire(results[k + 2] as Parameters<typeof fromWire>[0], this.#options.errorClasses));
    }
    if (w.pending.length === 0) this.#release(w);
  }

  // The start and end of timed jobs, for the observers; before the results
  // of the same message, so the jobs are still pending.
  // A worker holds at most PIPELINE_DEPTH jobs, so a search by id is short.
  #onTimes(w: PoolWorker, times: number[]): void {
    if (observers.size === 0) return;
    for (let k = 0; k < times.length; k += TIME_STRIDE) {
      const id = times[k];
      const job = w.pending.find((pending) => pending.id === id);
      if (job === undefined) continue;
      for (const observer of observers) {
        observer.jobRan(job, w.worker.threadId, times[k + 1]!, times[k + 2]!, times[k + 3] === 1);
      }
    }
  }

  #release(w: PoolWorker): void {
    if (!this.#workers.has(w)) return;
    this.#reclaim(w);
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
        job.owner._jobRejected(error);
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
        job.owner._jobRejected(
          new WorkerError(`the worker thread that ran ${jobName(job)} died before sending its result back`, {
            cause: w.failure,
          }),
        );
      } else if (job.id === runningId) {
        job.state = "done";
        job.owner._jobRejected(
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
      // No job of the caller's failed: say what crashed it, and where its jobs went.
      const names = requeue.slice(0, 3).map((job) => `${jobName(job)} (job ${job.id})`);
      if (requeue.length > 3) names.push(`${requeue.length - 3} more`);
      const jobsWent =
        requeue.length === 0
          ? "no job was waiting at it"
          : `the ${requeue.length === 1 ? "job" : `${requeue.length} jobs`} waiting at it, not started yet, will run on another worker: ${names.join(", ")}`;
      process.stderr.write(
        `asyncio-ts: a worker thread crashed between jobs (${String((w.failure as Error).message ?? w.failure)}), ` +
          `from a timer or promise that an earlier job left behind; ${jobsWent}\n`,
      );
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
    return new WorkerError(
      `the worker thread running ${name} ran out of memory (resourceLimits): give it more, or use less`,
      {
        cause: failure,
      },
    );
  }
  if (failure !== undefined) {
    return new WorkerError(
      `the worker thread running ${name} crashed: ${String((failure as Error).message ?? failure)}`,
      {
        cause: failure,
      },
    );
  }
  return new WorkerError(
    `the worker thread running ${name} exited with code ${code}: did the function call process.exit()? Return or throw instead`,
  );
}

/** Why a worker thread could not start, and what to do about it. */
function startError(failure: unknown, code: number | undefined): WorkerError {
  const detail =
    failure instanceof Error ? failure.message : failure !== undefined ? String(failure) : `exit code ${code}`;
  const errCode = (failure as { code?: string } | undefined)?.code;
  let advice: string;
  if (detail.includes("asyncio-ts's worker program")) {
    // The program itself failed (a bundler changed it): the detail says what to do.
    return new WorkerError(`a worker thread could not start: ${detail}`, { cause: failure });
  }
  if (errCode === "ERR_WORKER_OUT_OF_MEMORY") {
    advice = "resourceLimits leave it too little memory to start: give ThreadPoolExecutor more";
  } else if (errCode === "ERR_WORKER_INVALID_EXEC_ARGV") {
    advice =
      "a Node option of this process (process.execArgv) cannot be used in a worker thread: start Node without it";
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
  return withCode(e, "ERR_ASYNCIO_NOT_CLONEABLE");
}
