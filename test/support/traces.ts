/**
 * Trace files written by hand, in the format `run(main, { trace })` writes
 * (Chrome's Trace Event Format, as src/debug/trace.ts emits it), for the
 * timeline's tests where exact times or many tasks matter: the shapes of
 * examples/gather.ts and examples/to-thread.ts at round times, and a run with
 * hundreds of tasks, some cancelled, some failed.
 */

type Event = Record<string, unknown>;

/** Builds a trace's events, track by track. Times are microseconds. */
class TraceBuilder {
  readonly events: Event[] = [
    { ph: "M", name: "process_name", pid: 1, tid: 0, args: { name: "event loop" } },
    { ph: "M", name: "process_name", pid: 2, tid: 0, args: { name: "worker threads" } },
  ];
  #flows = 0;

  /** A task's track: its metadata, lifetime, "created" and end instants, and the arrow from its creator. */
  task(
    tid: number,
    coro: string,
    start: number,
    end: number,
    options: { by?: number; state?: string; result?: string; exception?: string } = {},
  ): this {
    const name = `Task-${tid}`;
    const state = options.state ?? "finished";
    this.events.push(
      { ph: "M", name: "thread_name", pid: 1, tid, args: { name: `${name} ${coro}` } },
      { ph: "M", name: "thread_sort_index", pid: 1, tid, args: { sort_index: tid } },
      {
        ph: "X",
        cat: "task",
        name,
        pid: 1,
        tid,
        ts: start,
        dur: end - start,
        args: {
          coro,
          state,
          ...(options.result === undefined ? {} : { result: options.result }),
          ...(options.exception === undefined ? {} : { exception: options.exception }),
        },
      },
      {
        ph: "i",
        s: "t",
        cat: "task",
        name: "created",
        pid: 1,
        tid,
        ts: start,
        args: options.by ? { by: options.by } : {},
      },
    );
    if (state !== "pending")
      this.events.push({ ph: "i", s: "t", cat: "task", name: state, pid: 1, tid, ts: end, args: {} });
    if (options.by !== undefined) this.flow("create", [1, options.by, start], [1, tid, start]);
    return this;
  }

  step(tid: number, start: number, end: number): this {
    this.events.push({ ph: "X", cat: "step", name: "step", pid: 1, tid, ts: start, dur: end - start });
    return this;
  }

  wait(tid: number, awaits: string, start: number, end: number, more: Record<string, unknown> = {}): this {
    this.events.push({
      ph: "X",
      cat: "wait",
      name: awaits,
      pid: 1,
      tid,
      ts: start,
      dur: end - start,
      args: { awaits, ...more },
    });
    return this;
  }

  cancel(tid: number, ts: number, by?: number): this {
    const args = by === undefined ? {} : { by, byName: `Task-${by}` };
    this.events.push({ ph: "i", s: "t", cat: "cancel", name: "cancel requested", pid: 1, tid, ts, args });
    if (by !== undefined) this.flow("cancel", [1, by, ts], [1, tid, ts]);
    return this;
  }

  /** A toThread job of task `task` on worker `worker`: the job bar, and the arrows there and back. */
  job(
    worker: number,
    job: number,
    fn: string,
    task: number,
    submitted: number,
    start: number,
    end: number,
    back: number,
  ): this {
    if (!this.events.some((e) => e.ph === "M" && e.pid === 2 && e.tid === worker)) {
      this.events.push({ ph: "M", name: "thread_name", pid: 2, tid: worker, args: { name: `worker ${worker}` } });
    }
    this.events.push({
      ph: "X",
      cat: "job",
      name: `toThread job ${job}: ${fn}()`,
      pid: 2,
      tid: worker,
      ts: start,
      dur: end - start,
      args: { job, fn, task, state: "finished" },
    });
    this.flow("job", [1, task, submitted], [2, worker, start]);
    this.flow("job-done", [2, worker, end], [1, task, back]);
    return this;
  }

  flow(cat: string, [pid0, tid0, ts0]: number[], [pid1, tid1, ts1]: number[]): this {
    const id = ++this.#flows;
    this.events.push(
      { ph: "s", cat, name: cat, id, pid: pid0, tid: tid0, ts: ts0 },
      { ph: "f", bp: "e", cat, name: cat, id, pid: pid1, tid: tid1, ts: ts1 },
    );
    return this;
  }

  /** The trace file's object. */
  trace(): object {
    return {
      traceEvents: this.events,
      displayTimeUnit: "ms",
      otherData: { producer: "asyncio-ts", version: "0.1.0", node: process.version, pid: 4242 },
    };
  }
}

/**
 * examples/gather.ts: main() gathers a(), b() and c(), which sleep 0.2, 0.1
 * and 0.3 seconds between printing "started" and "finished".
 */
export function gatherTrace(): object {
  const t = new TraceBuilder();
  t.task(1, "main()", 0, 301_200, { result: "undefined" });
  t.step(1, 20, 180)
    .wait(1, "gather(3)", 180, 300_900, { awaitsTasks: [2, 3, 4] })
    .step(1, 300_900, 301_150);
  const children: [number, string, number][] = [
    [2, "a", 0.2],
    [3, "b", 0.1],
    [4, "c", 0.3],
  ];
  for (const [tid, name, delay] of children) {
    const created = 60 + tid * 20;
    const first = 200 + tid * 60;
    const woken = first + 50 + delay * 1e6;
    t.task(tid, `${name}()`, created, woken + 120, { by: 1, result: `'${name}'` });
    t.step(tid, first, first + 50)
      .wait(tid, `sleep(${delay})`, first + 50, woken)
      .step(tid, woken, woken + 100);
  }
  return t.trace();
}

/**
 * examples/to-thread.ts: main() gathers toThread(work), which blocks a worker
 * thread for 2 seconds, and sleep(1).
 */
export function toThreadTrace(): object {
  const t = new TraceBuilder();
  t.task(1, "main()", 0, 2_004_300, { result: "undefined" });
  t.step(1, 30, 420).wait(1, "gather(2)", 420, 2_003_900).step(1, 2_003_900, 2_004_200);
  t.job(1, 1, "work", 1, 300, 2_600, 2_002_900, 2_003_700);
  return t.trace();
}

/**
 * A run with `n` tasks: main() creates them all, cancels every tenth one,
 * and one in ten fails; the others each sleep twice.
 */
export function manyTasksTrace(n: number): object {
  const t = new TraceBuilder();
  const end = 1_000_000 + n * 1000;
  t.task(1, "main()", 0, end);
  t.step(1, 0, 50 * n)
    .wait(1, `gather(${n})`, 50 * n, end - 200, { awaitsTasks: [] })
    .step(1, end - 200, end - 100);
  for (let tid = 2; tid <= n + 1; tid++) {
    const created = 50 * tid;
    const first = 50 * n + 20 * tid;
    const nap = 200_000 + ((tid * 7919) % 600_000);
    if (tid % 10 === 0) {
      t.task(tid, `worker_${tid}()`, created, first + 5000, { by: 1, state: "cancelled" });
      t.step(tid, first, first + 30).wait(tid, "sleep(10)", first + 30, first + 4000);
      t.cancel(tid, first + 4000, 1).step(tid, first + 4000, first + 4100);
      continue;
    }
    const failed = tid % 10 === 5;
    t.task(tid, `worker_${tid}()`, created, first + 2 * nap + 400, {
      by: 1,
      ...(failed ? { state: "failed", exception: "Error: boom" } : {}),
    });
    t.step(tid, first, first + 30)
      .wait(tid, `sleep(${nap / 1e6})`, first + 30, first + nap)
      .step(tid, first + nap, first + nap + 80)
      .wait(tid, "Lock.acquire()", first + nap + 80, first + 2 * nap)
      .step(tid, first + 2 * nap, first + 2 * nap + 300);
  }
  return t.trace();
}
