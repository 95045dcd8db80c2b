/**
 * The trace recorder: `run(main, { trace: "trace.json" })` records what
 * every Task of the run did (created, each step it ran, what it waited on,
 * cancel requests and who made them, how it ended), and the jobs of the
 * worker threads, and writes them when the run ends as a Chrome Trace Event
 * Format file (JSON Object Format), which Perfetto and chrome://tracing open:
 * one track per task (pid 1, tid = the task's trace id, 1 for the main
 * task), one per worker thread (pid 2).
 *
 * asyncio-ts's own. It is the loop's monitor (loop/monitor.ts), so without
 * a trace no task pays for it; with one, it keeps an object per task and
 * the events in memory until the file is written.
 *
 * What a step is: from the moment the loop resumes the task (or starts its
 * first step) to its next await of an asyncio-ts awaitable, or its end. A
 * task that awaits something else (a foreign promise) is seen to stop
 * running when the loop goes on without it; its code after the foreign
 * promise runs in promise jobs the loop does not see, so that wait lasts
 * until the task next awaits an asyncio-ts awaitable or ends, and no step is
 * drawn for that code. A worker reports when it started and ended each job
 * (on process.hrtime's clock, which every thread shares), so the job's event
 * is its time in the worker, not in the queue.
 *
 * @module
 */

import { readFileSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { _runningTask } from "../core/step.js";
import { reprValue } from "../errors.js";
import { _stateOf } from "./graph.js";
import { _siteLine } from "./origin.js";
import { Future } from "../futures.js";
import type { EventLoop } from "../loop/event-loop.js";
import { _getRunningLoop } from "../loop/running-loop.js";
import type { _Runnable } from "../loop/handles.js";
import type { _LoopMonitor } from "../loop/monitor.js";
import type { Task } from "../tasks/task.js";
import { type Job, type JobObserver, _observeJobs, _unobserveJobs } from "../threads/worker-pool.js";

/** One event of the file, as the Trace Event Format has it. */
type TraceEvent = {
  ph: string;
  name: string;
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  cat?: string;
  s?: string;
  id?: number;
  bp?: string;
  args?: Record<string, unknown>;
};

const LOOP_PID = 1;
const WORKERS_PID = 2;

// What a task is doing, as far as the recorder saw.
const SCHEDULED = 0; // Made, its first step not started.
const RUNNING = 1; // In a step.
const WAITING = 2; // Awaiting asyncio-ts awaitables (TaskRecord.awaited).
const FOREIGN = 3; // Stopped running without awaiting an asyncio-ts awaitable.

class TaskRecord {
  /** Until it is done: its name and outcome are read then. */
  task: Task<unknown> | undefined;
  readonly id: number;
  readonly created: number;
  phase = SCHEDULED;
  /** When the phase began (ns since the trace started). */
  since = 0;
  awaited: Future<unknown>[] = [];
  /** The wait's name and args, as of when it began (a sleep is "sleep(0)" once its timer fired). */
  wait: [string, Record<string, unknown>] | undefined = undefined;
  name = "";
  coro = "";

  constructor(task: Task<unknown>, id: number, created: number) {
    this.task = task;
    this.id = id;
    this.created = created;
  }
}

interface JobRecord {
  readonly id: number;
  /** "toThread job N: fn()" (toThread, runInExecutor) or "job N: fn()" (an executor's submit, map). */
  readonly name: string;
  readonly fn: string;
  /** The trace id of the task that submitted it, if task code did. */
  readonly task: number | undefined;
  readonly flow: number;
}

/**
 * @internal Records a run's tasks and worker jobs; `write()` makes the file.
 * Set on the loop with `loop._setTracer()`; `start(loop)` also observes the
 * thread pools' jobs, and records those submitted while `loop` holds the
 * thread (another traced Runner's loop records its own).
 */
export class _TraceRecorder implements _LoopMonitor, JobObserver {
  readonly path: string;
  readonly #t0 = performance.now();
  // process.hrtime (µs) at #t0, for the times workers report.
  readonly #hr0 = hrAtPerformanceZero(this.#t0);
  readonly #events: TraceEvent[] = [];
  readonly #records: TaskRecord[] = [];
  readonly #byTask = new WeakMap<object, TaskRecord>();
  // Records in a step now: usually one, more while eager tasks start inside a step.
  readonly #running = new Set<TaskRecord>();
  #sweep: NodeJS.Immediate | undefined;
  #untraced = 0;
  #flows = 0;
  readonly #jobs = new WeakMap<Job, JobRecord>();
  readonly #jobOfOwner = new WeakMap<object, number>();
  readonly #workers = new Map<number, number>();
  #loop: EventLoop | undefined;

  constructor(path: string) {
    this.path = path;
  }

  /** Starts observing the thread pools' jobs, those submitted while `loop` holds the thread. */
  start(loop: EventLoop): void {
    if (this.#loop !== undefined) return;
    this.#loop = loop;
    _observeJobs(this);
  }

  /** Runs `fn` without recording the tasks it makes (run()'s own tasks at the end). */
  untraced<T>(fn: () => T): T {
    this.#untraced++;
    try {
      return fn();
    } finally {
      this.#untraced--;
    }
  }

  // ---- the loop's monitor -------------------------------------------------

  runHandle(handle: _Runnable, loop: EventLoop): void {
    handle._run(loop);
  }

  turnEnded(): void {
    if (this.#running.size === 0 || this.#sweep !== undefined) return;
    // The steps the turn resumed run in the promise jobs that follow it;
    // one still running when those are done awaits something foreign.
    this.#sweep = setImmediate(() => {
      this.#sweep = undefined;
      this.#stopRunning(undefined, this.#now());
    });
  }

  taskCreated(task: Task<unknown>, eager: boolean): void {
    if (this.#untraced > 0) return;
    const now = this.#now();
    const record = new TaskRecord(task, this.#records.length + 1, now);
    this.#records.push(record);
    this.#byTask.set(task, record);
    const by = this.#runningRecord();
    const args: Record<string, unknown> = {};
    if (by !== undefined) args["by"] = by.id;
    this.#instant(record.id, "task", "created", now, args);
    if (by !== undefined) this.#flow("create", by.id, record.id, now, now);
    if (eager) this.#run(record, now);
  }

  stepStarted(task: Task<unknown>): void {
    const record = this.#byTask.get(task);
    if (record === undefined || record.phase === RUNNING || task.done()) return;
    // Woken by one of several awaitables (a Promise.all of them): its code
    // runs once all are done.
    if (record.phase === WAITING && task._waiters().length > 0) return;
    const now = this.#now();
    // The loop runs no task's code while it starts another's step: a step
    // still open awaits something foreign.
    this.#stopRunning(record, now);
    this.#run(record, now);
  }

  taskSuspended(task: Task<unknown>, awaited: Future<unknown>): void {
    const record = this.#byTask.get(task);
    if (record === undefined) return;
    if (record.phase === WAITING) {
      if (!record.awaited.includes(awaited)) {
        record.awaited.push(awaited);
        record.wait = this.#wait(record.awaited);
      }
      return;
    }
    const now = this.#now();
    this.#endPhase(record, now);
    record.phase = WAITING;
    record.since = now;
    record.awaited = [awaited];
    // Named now: what a Future stands for can change once it is done.
    record.wait = this.#wait(record.awaited);
  }

  cancelRequested(task: Task<unknown>, msg: string | undefined): void {
    const record = this.#byTask.get(task);
    if (record === undefined) return;
    const now = this.#now();
    const by = this.#runningRecord();
    const args: Record<string, unknown> = {};
    if (by !== undefined) {
      args["by"] = by.id;
      args["byName"] = by.task?.getName() ?? by.name;
    }
    if (msg !== undefined) args["msg"] = msg;
    this.#instant(record.id, "cancel", "cancel requested", now, args);
    if (by !== undefined) this.#flow("cancel", by.id, record.id, now, now);
  }

  taskDone(task: Task<unknown>): void {
    const record = this.#byTask.get(task);
    if (record === undefined || record.task === undefined) return;
    this.#finish(record, this.#now());
  }

  close(): void {
    if (this.#sweep !== undefined) clearImmediate(this.#sweep);
    this.#sweep = undefined;
  }

  // ---- the thread pools' jobs ---------------------------------------------

  jobSubmitted(job: Job): void {
    if (this.#loop === undefined || _getRunningLoop() !== this.#loop) return;
    const now = this.#now();
    const task = this.#runningRecord();
    const fn = job.spec.ref.name;
    // toThread's and runInExecutor's jobs are owned by their Future.
    const name = `${job.owner instanceof Future ? "toThread job" : "job"} ${job.id}: ${fn || "<anonymous>"}()`;
    const record: JobRecord = { id: job.id, name, fn, task: task?.id, flow: ++this.#flows };
    this.#jobs.set(job, record);
    this.#jobOfOwner.set(job.owner, job.id);
    if (task !== undefined) {
      this.#events.push({
        ph: "s",
        cat: "job",
        name: "job",
        id: record.flow,
        ts: us(now),
        pid: LOOP_PID,
        tid: task.id,
      });
    }
  }

  jobRan(job: Job, threadId: number, start: number, end: number, ok: boolean): void {
    const record = this.#jobs.get(job);
    if (record === undefined) return;
    const now = this.#now();
    let worker = this.#workers.get(threadId);
    if (worker === undefined) {
      worker = this.#workers.size + 1;
      this.#workers.set(threadId, worker);
    }
    // On this thread's clock; never after the result arrived, nor before the trace started.
    const from = Math.max(0, Math.min(now, Math.round((start - this.#hr0) * 1000)));
    const to = Math.max(from, Math.min(now, Math.round((end - this.#hr0) * 1000)));
    const args: Record<string, unknown> = {
      job: record.id,
      fn: record.fn,
      state: job.cancelled ? "cancelled" : ok ? "finished" : "failed",
    };
    if (record.task !== undefined) args["task"] = record.task;
    this.#events.push({
      ph: "X",
      cat: "job",
      name: record.name,
      ts: us(from),
      dur: us(to - from),
      pid: WORKERS_PID,
      tid: worker,
      args,
    });
    if (record.task !== undefined) {
      this.#events.push({
        ph: "f",
        bp: "e",
        cat: "job",
        name: "job",
        id: record.flow,
        ts: us(from),
        pid: WORKERS_PID,
        tid: worker,
      });
      const done = ++this.#flows;
      this.#events.push({
        ph: "s",
        cat: "job-done",
        name: "job-done",
        id: done,
        ts: us(to),
        pid: WORKERS_PID,
        tid: worker,
      });
      this.#events.push({
        ph: "f",
        bp: "e",
        cat: "job-done",
        name: "job-done",
        id: done,
        ts: us(now),
        pid: LOOP_PID,
        tid: record.task,
      });
    }
  }

  // ---- the file -----------------------------------------------------------

  /**
   * Stops recording and writes the file: the tasks still pending end now,
   * with state "pending". Throws what writeFileSync throws.
   */
  write(): void {
    this.stop();
    const now = this.#now();
    for (const record of this.#records) if (record.task !== undefined) this.#finish(record, now);
    const meta: TraceEvent[] = [
      { ph: "M", name: "process_name", pid: LOOP_PID, tid: 0, args: { name: "event loop" } },
      { ph: "M", name: "process_sort_index", pid: LOOP_PID, tid: 0, args: { sort_index: LOOP_PID } },
    ];
    for (const record of this.#records) {
      const name = record.coro === "" ? record.name : `${record.name} ${record.coro}`;
      meta.push({ ph: "M", name: "thread_name", pid: LOOP_PID, tid: record.id, args: { name } });
      meta.push({ ph: "M", name: "thread_sort_index", pid: LOOP_PID, tid: record.id, args: { sort_index: record.id } });
    }
    if (this.#workers.size > 0) {
      meta.push({ ph: "M", name: "process_name", pid: WORKERS_PID, tid: 0, args: { name: "worker threads" } });
      meta.push({ ph: "M", name: "process_sort_index", pid: WORKERS_PID, tid: 0, args: { sort_index: WORKERS_PID } });
      for (const [threadId, n] of this.#workers) {
        meta.push({ ph: "M", name: "thread_name", pid: WORKERS_PID, tid: n, args: { name: `worker ${n}`, threadId } });
        meta.push({ ph: "M", name: "thread_sort_index", pid: WORKERS_PID, tid: n, args: { sort_index: n } });
      }
    }
    // By time; at the same time, the longer event first, so a reader meets
    // an enclosing event before the ones inside it.
    const events = this.#events.slice().sort((a, b) => a.ts! - b.ts! || (b.dur ?? -1) - (a.dur ?? -1));
    const otherData: Record<string, unknown> = { producer: "asyncio-ts" };
    const version = packageVersion();
    if (version !== undefined) otherData["version"] = version;
    otherData["node"] = process.version;
    otherData["pid"] = process.pid;
    const lines = [...meta, ...events].map((event) => JSON.stringify(event));
    const text =
      `{"traceEvents":[\n${lines.join(",\n")}\n],\n` +
      `"displayTimeUnit":"ms",\n"otherData":${JSON.stringify(otherData)}}\n`;
    writeFileSync(this.path, text);
  }

  /** Stops observing jobs (the loop's tracer is unset by its owner). */
  stop(): void {
    this.close();
    if (this.#loop === undefined) return;
    this.#loop = undefined;
    _unobserveJobs(this);
  }

  // ---- helpers ------------------------------------------------------------

  /** Nanoseconds since the trace started, whole. */
  #now(): number {
    return Math.round((performance.now() - this.#t0) * 1e6);
  }

  #runningRecord(): TaskRecord | undefined {
    const task = _runningTask();
    return task === undefined ? undefined : this.#byTask.get(task);
  }

  #run(record: TaskRecord, now: number): void {
    this.#endPhase(record, now);
    record.phase = RUNNING;
    record.since = now;
    this.#running.add(record);
  }

  // The steps open now, but `except`'s, end: their tasks await something foreign.
  #stopRunning(except: TaskRecord | undefined, now: number): void {
    for (const record of this.#running) {
      if (record === except) continue;
      this.#endPhase(record, now);
      record.phase = FOREIGN;
      record.since = now;
    }
  }

  // Ends the task's step or wait at `now`, as an event on its track.
  #endPhase(record: TaskRecord, now: number): void {
    const since = record.since;
    switch (record.phase) {
      case RUNNING:
        this.#running.delete(record);
        this.#complete(record.id, "step", "step", since, now, undefined);
        break;
      case WAITING: {
        const [name, args] = record.wait!;
        this.#complete(record.id, "wait", name, since, now, args);
        record.awaited = [];
        record.wait = undefined;
        break;
      }
      case FOREIGN:
        this.#complete(record.id, "wait", "a foreign promise", since, now, { awaits: "a foreign promise" });
        break;
    }
    record.phase = SCHEDULED;
  }

  // The name and args of a wait on `awaited`.
  #wait(awaited: Future<unknown>[]): [string, Record<string, unknown>] {
    const name = awaited.map((future) => future._describe()).join(", ");
    const args: Record<string, unknown> = { awaits: name };
    const ids = new Set<number>();
    for (const future of awaited) {
      const record = this.#byTask.get(future);
      if (record !== undefined) ids.add(record.id);
      else for (const part of awaitedParts(future)) this.#taskIds(part, ids, 0);
    }
    const tasks = [...ids];
    if (awaited.length === 1) {
      const only = awaited[0]!;
      const job = this.#jobOfOwner.get(only);
      if (job !== undefined) args["awaitsJob"] = job;
      if (this.#byTask.has(only)) args["awaitsTask"] = tasks[0];
      else if (tasks.length > 0) args["awaitsTasks"] = tasks;
    } else if (tasks.length > 0) {
      args["awaitsTasks"] = tasks;
    }
    return [name, args];
  }

  // The trace ids of the tasks in `future` (a Task, or a Future made of others).
  #taskIds(future: Future<unknown>, into: Set<number>, depth: number): void {
    const record = this.#byTask.get(future);
    if (record !== undefined) {
      into.add(record.id);
      return;
    }
    if (depth < 4) for (const part of awaitedParts(future)) this.#taskIds(part, into, depth + 1);
  }

  // The task is done (or the trace ends while it is pending): its last
  // step or wait, its lifetime and its end.
  #finish(record: TaskRecord, now: number): void {
    const task = record.task!;
    record.task = undefined;
    this.#endPhase(record, now);
    record.name = task.getName();
    record.coro = `${task._bodyName()}()`;
    const args: Record<string, unknown> = { coro: record.coro };
    const end: Record<string, unknown> = {};
    // A task still pending when the trace is written ends "pending", cancelling or not.
    const state = task.done() ? _stateOf(task) : "pending";
    if (state === "failed") end["exception"] = describeError(task._outcome());
    else if (state === "finished") end["result"] = shortRepr(task._outcome());
    args["state"] = state;
    Object.assign(args, end);
    if (task._source !== undefined) args["createdAt"] = _siteLine(task._source);
    this.#complete(record.id, "task", record.name, record.created, now, args);
    if (state !== "pending") this.#instant(record.id, "task", state, now, end);
  }

  #complete(
    tid: number,
    cat: string,
    name: string,
    from: number,
    to: number,
    args: Record<string, unknown> | undefined,
  ): void {
    const event: TraceEvent = { ph: "X", cat, name, ts: us(from), dur: us(to - from), pid: LOOP_PID, tid };
    if (args !== undefined) event.args = args;
    this.#events.push(event);
  }

  #instant(tid: number, cat: string, name: string, at: number, args: Record<string, unknown>): void {
    this.#events.push({ ph: "i", s: "t", cat, name, ts: us(at), pid: LOOP_PID, tid, args });
  }

  // An arrow from `from`'s track to `to`'s.
  #flow(cat: string, from: number, to: number, start: number, end: number): void {
    const id = ++this.#flows;
    this.#events.push({ ph: "s", cat, name: cat, id, ts: us(start), pid: LOOP_PID, tid: from });
    this.#events.push({ ph: "f", bp: "e", cat, name: cat, id, ts: us(end), pid: LOOP_PID, tid: to });
  }
}

/** Microseconds, from whole nanoseconds. */
function us(ns: number): number {
  return ns / 1000;
}

/**
 * process.hrtime in microseconds at the moment performance.now() read `t0`:
 * both read the same monotonic clock; the offset is taken from the pair of
 * readings made closest together.
 */
function hrAtPerformanceZero(t0: number): number {
  let best = -Infinity;
  for (let i = 0; i < 8; i++) {
    const p = performance.now();
    const hr = Number(process.hrtime.bigint() / 1000n);
    // p * 1000 - hr is the offset, plus the time between the readings.
    best = Math.max(best, p * 1000 - hr);
  }
  return t0 * 1000 - best;
}

function awaitedParts(future: Future<unknown>): Iterable<Future<unknown>> {
  return future._awaitedParts() ?? [];
}

const MAX_REPR = 200;

function shortRepr(value: unknown): string {
  // As reprValue shows them, without util.inspect's cost for the usual results.
  if (value === undefined || value === null || typeof value === "number" || typeof value === "boolean") {
    return Object.is(value, -0) ? "-0" : String(value);
  }
  return clip(reprValue(value));
}

function describeError(error: unknown): string {
  return error instanceof Error ? clip(`${error.name}: ${error.message}`) : shortRepr(error);
}

// At most MAX_REPR characters, an ellipsis ending a cut.
function clip(text: string): string {
  return text.length > MAX_REPR ? `${text.slice(0, MAX_REPR - 1)}…` : text;
}

let version: string | null | undefined;

// asyncio-ts's version, from its package.json (none in a bundle).
function packageVersion(): string | undefined {
  if (version !== undefined) return version ?? undefined;
  version = null;
  const url = (import.meta as { url?: unknown }).url;
  if (typeof url !== "string" || !url.startsWith("file:")) return undefined;
  for (const up of ["../../package.json", "../../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, url), "utf8")) as { name?: unknown; version?: unknown };
      if (pkg.name === "asyncio-ts" && typeof pkg.version === "string") return (version = pkg.version);
    } catch {
      // Not there: try the next.
    }
  }
  return undefined;
}
