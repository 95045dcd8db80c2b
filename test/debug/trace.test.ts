/**
 * The trace recorder: `run(main, { trace })`, `new Runner({ trace })` and
 * ASYNCIO_TS_TRACE write a Chrome Trace Event Format file with a track per
 * task and per worker thread. Programs run for real (in this process, or
 * the examples as child processes) and the tests read the file as a user
 * would see it in Perfetto: tracks and their names, the order of steps and
 * waits, what overlaps what, instants and arrows. Timestamps are real, so
 * no test asserts a duration, only order, overlap and nesting; the clock
 * of the loop is virtual where the program only sleeps.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  CancelledError,
  EventLoop,
  Runner,
  RuntimeError,
  ThreadPoolExecutor,
  createTask,
  eagerTaskFactory,
  gather,
  getRunningLoop,
  run,
  sleep,
  toThread,
  type ExceptionContext,
  type RunOptions,
} from "asyncio-ts";
import { virtualClock } from "../support/virtual-loop.js";
import {
  type Trace,
  type TraceEvent,
  checkTrace,
  end,
  lifetime,
  ns,
  phases,
  readTrace,
  taskTracks,
  track,
} from "../support/trace-checker.js";

const execFileAsync = promisify(execFile);
const root = fileURLToPath(new URL("../../..", import.meta.url));

/** A fresh folder for trace files, removed after the test. */
function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "asyncio-ts-trace-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs `main` with a trace (on a virtual clock unless `options` says otherwise); returns its result and the trace. */
async function traced<T>(
  t: { after(fn: () => void): void },
  main: () => Promise<T>,
  options: RunOptions = {},
): Promise<{ result: T; trace: Trace }> {
  const path = join(tempDir(t), "trace.json");
  const result = await run(main, { loopFactory: virtualClock().loopFactory, ...options, trace: path });
  return { result: result as T, trace: readTrace(path) };
}

/** The one event matching `pred`. */
function only(events: TraceEvent[], pred: (e: TraceEvent) => boolean, what: string): TraceEvent {
  const found = events.filter(pred);
  assert.equal(found.length, 1, `one ${what}, found ${JSON.stringify(found)}`);
  return found[0]!;
}

const overlap = (a: TraceEvent, b: TraceEvent): boolean => ns(a.ts!) < end(b) && ns(b.ts!) < end(a);

describe("trace: the checker", () => {
  it("rejects overlapping complete events on one track, an unnamed track, a flow without its end", () => {
    const name = (tid: number): TraceEvent => ({ ph: "M", name: "thread_name", pid: 2, tid, args: { name: "w" } });
    const job = (ts: number, dur: number): TraceEvent => ({ ph: "X", name: "job", pid: 2, tid: 1, ts, dur });
    checkTrace({ traceEvents: [name(1), job(0, 10), job(10, 5)] });
    checkTrace({ traceEvents: [name(1), job(0, 10), job(2, 5)] }); // nested
    assert.throws(() => checkTrace({ traceEvents: [name(1), job(0, 5), job(0, 10)] }), /which encloses it/);
    assert.throws(() => checkTrace({ traceEvents: [name(1), job(5, 1), job(0, 10)] }), /after a later event/);
    assert.throws(() => checkTrace({ traceEvents: [name(1), job(0, 10), job(5, 10)] }), /overlaps/);
    assert.throws(() => checkTrace({ traceEvents: [job(0, 10)] }), /thread_name/);
    const flow: TraceEvent = { ph: "s", cat: "c", name: "c", id: 1, pid: 2, tid: 1, ts: 1 };
    assert.throws(() => checkTrace({ traceEvents: [name(1), job(0, 10), flow] }), /has an end/);
  });
});

describe("trace: the examples, as child processes with ASYNCIO_TS_TRACE", () => {
  /** Runs build/examples/<name>.js with ASYNCIO_TS_TRACE set; returns the trace. */
  async function exampleTrace(t: { after(fn: () => void): void }, name: string): Promise<Trace> {
    const dir = tempDir(t);
    // A relative path: from the program's current folder.
    await execFileAsync(process.execPath, [join(root, "build", "examples", `${name}.js`)], {
      cwd: dir,
      timeout: 60_000,
      env: { ...process.env, ASYNCIO_TS_TRACE: "out/../trace.json" },
    });
    return readTrace(join(dir, "trace.json"));
  }

  it("gather.ts: a track per task a, b, c, each stepping and sleeping, at the same time; main waits on the gather", async (t) => {
    const trace = await exampleTrace(t, "gather");
    const tracks = taskTracks(trace);
    assert.equal(tracks.get("Task-1 main()"), 1);
    const ids = ["a", "b", "c"].map((fn) => {
      const tid = [...tracks].find(([name]) => name.endsWith(` ${fn}()`))?.[1];
      assert.ok(tid !== undefined, `a track named after ${fn}(): ${[...tracks.keys()].join(", ")}`);
      return tid;
    });
    const sleeps = ids.map((tid, i) => {
      assert.deepEqual(
        phases(trace, tid).map((p) => p.replace(/^wait sleep\(.*/, "wait sleep")),
        ["step", "wait sleep", "step"],
      );
      const life = lifetime(trace, tid);
      assert.equal(life.args!["state"], "finished");
      assert.equal(life.args!["result"], `'${"abc"[i]}'`);
      const created = only(track(trace, 1, tid), (e) => e.name === "created", "created instant");
      assert.equal(created.args!["by"], 1);
      return only(track(trace, 1, tid), (e) => e.cat === "wait", "wait");
    });
    // The three sleeps overlap: all start before any ends.
    const latestStart = Math.max(...sleeps.map((e) => ns(e.ts!)));
    assert.ok(
      sleeps.every((e) => end(e) > latestStart),
      "the sleeps of a, b and c overlap in time",
    );
    const mainWait = only(track(trace, 1, 1), (e) => e.cat === "wait", "wait of main");
    assert.match(mainWait.name, /gather/);
    assert.deepEqual(mainWait.args!["awaitsTasks"], ids);
    for (const s of sleeps)
      assert.ok(ns(mainWait.ts!) <= ns(s.ts!) && end(s) <= end(mainWait), "main waits throughout");
    assert.equal(trace.otherData?.["producer"], "asyncio-ts");
  });

  it("to-thread.ts: a worker track whose job overlaps main's wait on the sleep beside it, with arrows to and from it", async (t) => {
    const trace = await exampleTrace(t, "to-thread");
    const workers = trace.traceEvents.filter((e) => e.ph === "M" && e.name === "thread_name" && e.pid === 2);
    assert.equal(workers.length, 1);
    assert.equal(workers[0]!.args!["name"], "worker 1");
    const job = only(track(trace, 2, 1), (e) => e.ph === "X", "job");
    assert.match(job.name, /^toThread job \d+: work\(\)$/);
    assert.equal(job.args!["state"], "finished");
    assert.equal(job.args!["task"], 1);
    const mainWait = only(track(trace, 1, 1), (e) => e.cat === "wait", "wait of main");
    assert.ok(overlap(job, mainWait), "the job runs while main waits on gather(toThread(work), sleep(1))");
    // Arrows: main's track at the submit to the job's start; the job's end back to main.
    const to = only(trace.traceEvents, (e) => e.cat === "job" && e.ph === "f", "job arrow end");
    assert.equal(to.ts, job.ts);
    const from = only(trace.traceEvents, (e) => e.cat === "job" && e.ph === "s", "job arrow start");
    assert.equal(from.tid, 1);
    assert.ok(ns(from.ts!) <= ns(job.ts!));
    const back = trace.traceEvents.filter((e) => e.cat === "job-done");
    assert.deepEqual(
      back.map((e) => [e.ph, e.pid, e.tid]),
      [
        ["s", 2, 1],
        ["f", 1, 1],
      ],
    );
    assert.equal(ns(back[0]!.ts!), end(job));
  });
});

describe("trace: tasks", () => {
  it("a cancelled task: 'cancel requested' by the cancelling task, an arrow from it, and the end 'cancelled'", async (t) => {
    const { trace } = await traced(t, async function main() {
      const victim = createTask(async function victim() {
        await sleep(10);
      });
      await sleep(1);
      victim.cancel("enough");
      await gather(victim, { returnExceptions: true });
    });
    const tid = taskTracks(trace).get("Task-2 victim()")!;
    const events = track(trace, 1, tid);
    const cancel = only(events, (e) => e.name === "cancel requested", "cancel instant");
    assert.deepEqual(cancel.args, { by: 1, byName: "Task-1", msg: "enough" });
    const arrow = trace.traceEvents.filter((e) => e.cat === "cancel" && e.ph !== "i");
    assert.deepEqual(
      arrow.map((e) => [e.ph, e.tid, e.ts]),
      [
        ["s", 1, cancel.ts],
        ["f", tid, cancel.ts],
      ],
    );
    assert.equal(lifetime(trace, tid).args!["state"], "cancelled");
    only(events, (e) => e.ph === "i" && e.name === "cancelled", "end instant");
    // The cancel arrives while it sleeps; it wakes for one step, which raises CancelledError.
    assert.deepEqual(phases(trace, tid), ["step", `wait ${phases(trace, tid)[1]!.slice(5)}`, "step"]);
    const wait = events.find((e) => e.cat === "wait")!;
    assert.ok(ns(wait.ts!) <= ns(cancel.ts!) && ns(cancel.ts!) <= end(wait), "cancel requested during the wait");
  });

  it("a cancel from a loop callback has no canceller, and no arrow", async (t) => {
    const { trace } = await traced(t, async function main() {
      const late = createTask(async function late() {
        await sleep(10);
      });
      getRunningLoop().callLater(1, () => late.cancel());
      await gather(late, { returnExceptions: true });
    });
    const tid = taskTracks(trace).get("Task-2 late()")!;
    const cancel = only(track(trace, 1, tid), (e) => e.name === "cancel requested", "cancel instant");
    assert.deepEqual(cancel.args, {});
    assert.equal(trace.traceEvents.filter((e) => e.cat === "cancel" && e.ph !== "i").length, 0);
  });

  it("a failing task ends 'failed' with its exception, and the exception stays unretrieved for whoever awaits it", async (t) => {
    const { result, trace } = await traced(t, async function main() {
      const task = createTask(async function failing() {
        await sleep(0);
        throw new RangeError("boom");
      });
      try {
        await task;
      } catch (err) {
        return (err as Error).message;
      }
      return "no error";
    });
    assert.equal(result, "boom");
    const tid = taskTracks(trace).get("Task-2 failing()")!;
    const life = lifetime(trace, tid);
    assert.equal(life.args!["state"], "failed");
    assert.equal(life.args!["exception"], "RangeError: boom");
    const endEvent = only(track(trace, 1, tid), (e) => e.ph === "i" && e.cat === "task" && e.name !== "created", "end");
    assert.equal(endEvent.name, "failed");
    assert.equal(ns(endEvent.ts!), end(life));
    // main waited on the task itself.
    const wait = only(track(trace, 1, 1), (e) => e.cat === "wait" && e.name === "Task-2", "wait on the task");
    assert.equal(wait.args!["awaitsTask"], tid);
  });

  it("a task awaiting a foreign promise waits on 'a foreign promise' until it awaits an asyncio-ts awaitable again", async (t) => {
    const { trace } = await traced(
      t,
      async function main() {
        await new Promise((resolve) => setTimeout(resolve, 5));
        await sleep(0);
        return 1;
      },
      { loopFactory: () => new EventLoop() },
    );
    const steps = phases(trace, 1);
    assert.deepEqual(steps.slice(0, 2), ["step", "wait a foreign promise"]);
    assert.match(steps[2]!, /^wait sleep/);
    assert.equal(steps.at(-1), "step");
  });

  it("eager tasks: the first step starts at creation, inside the creator's step", async (t) => {
    const { trace } = await traced(
      t,
      async function main() {
        await gather(async function eager() {
          await sleep(1);
        });
      },
      { taskFactory: eagerTaskFactory },
    );
    const tid = taskTracks(trace).get("Task-2 eager()")!;
    const life = lifetime(trace, tid);
    const firstStep = track(trace, 1, tid).find((e) => e.cat === "step")!;
    assert.equal(firstStep.ts, life.ts);
    const mainStep = track(trace, 1, 1).find((e) => e.cat === "step")!;
    assert.ok(ns(mainStep.ts!) <= ns(firstStep.ts!) && ns(firstStep.ts!) <= end(mainStep));
  });

  it("debug mode and a trace together: the slow-step monitor still warns, and the trace has each task's creation site", async (t) => {
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (message: string) => void warnings.push(message);
    t.after(() => (console.warn = warn));
    const { trace } = await traced(
      t,
      async function main() {
        getRunningLoop().slowCallbackDuration = 0;
        await sleep(0);
      },
      { debug: true },
    );
    assert.ok(
      warnings.some((w) => /^Executing <Task/.test(w)),
      warnings.join("\n"),
    );
    assert.match(String(lifetime(trace, 1).args!["createdAt"]), /trace\.test\./);
  });

  it("run()'s own tasks at the end are not recorded; a Runner records each run() call's main task", async (t) => {
    const path = join(tempDir(t), "runner.json");
    const runner = new Runner({ trace: path, loopFactory: virtualClock().loopFactory });
    await runner.run(async function first() {
      createTask(async function leftOver() {
        await sleep(100);
      });
    });
    await runner.run(async function second() {
      await sleep(1);
    });
    assert.equal(existsSync(path), false, "written when the runner closes");
    await runner.close();
    const trace = readTrace(path);
    assert.deepEqual([...taskTracks(trace).keys()], ["Task-1 first()", "Task-2 leftOver()", "Task-3 second()"]);
    const cancel = only(track(trace, 1, 2), (e) => e.name === "cancel requested", "cancel at the end");
    assert.deepEqual(cancel.args, {});
    assert.equal(lifetime(trace, 2).args!["state"], "cancelled");
  });
});

describe("trace: worker threads", () => {
  it("jobs of one worker never overlap on its track, and executor.submit() and map() jobs are recorded with their task", async (t) => {
    const { trace } = await traced(
      t,
      async function main() {
        const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
        try {
          const loop = getRunningLoop();
          const square = (x: number): number => x * x;
          await gather(...[1, 2, 3, 4, 5].map((x) => loop.runInExecutor(pool, square, x)));
          await pool.submit(square, 6);
          for await (const _ of pool.map(square, [7])) void _;
        } finally {
          await pool.shutdown();
        }
      },
      { loopFactory: () => new EventLoop() },
    );
    const jobs = track(trace, 2, 1).filter((e) => e.ph === "X");
    assert.equal(jobs.length, 7);
    assert.ok(jobs.every((e) => e.args!["task"] === 1));
    // Named by what made them: runInExecutor (as toThread) or the executor's submit() and map().
    assert.deepEqual(
      jobs.map((e) => e.name.replace(/ \d+:/, " N:")),
      [...Array(5).fill("toThread job N: square()"), "job N: square()", "job N: square()"],
    );
    for (let i = 1; i < jobs.length; i++) assert.ok(end(jobs[i - 1]!) <= ns(jobs[i]!.ts!), "one job after the other");
    // The five waited on together: one wait, naming them.
    const wait = track(trace, 1, 1).find((e) => e.cat === "wait")!;
    assert.match(wait.name, /gather/);
  });

  it("two traced Runners closed in the order they were made: each file has its own run's jobs, and no recorder observes jobs afterwards", async (t) => {
    const dir = tempDir(t);
    const first = new Runner({ trace: join(dir, "first.json") });
    const second = new Runner({ trace: join(dir, "second.json") });
    first.getLoop();
    second.getLoop();
    await first.run(async () => toThread(function inFirst() {}));
    await second.run(async () => toThread(function inSecond() {}));
    await first.close();
    await second.close();
    const firstText = readFileSync(join(dir, "first.json"), "utf8");
    const jobNames = (trace: Trace): string[] =>
      trace.traceEvents.filter((e) => e.ph === "X" && e.pid === 2).map((e) => e.name.replace(/ \d+:/, " N:"));
    assert.deepEqual(jobNames(readTrace(join(dir, "first.json"))), ["toThread job N: inFirst()"]);
    assert.deepEqual(jobNames(readTrace(join(dir, "second.json"))), ["toThread job N: inSecond()"]);
    // A job of a run without a trace is not timed: no recorder observes it.
    const timed = await run(
      async () => {
        const job = toThread(function later() {});
        await job;
        return (job as unknown as { _job: { timed: boolean } })._job.timed;
      },
      { trace: false },
    );
    assert.equal(timed, false);
    assert.equal(readFileSync(join(dir, "first.json"), "utf8"), firstText);
  });

  it("a run() refused because another loop holds the thread leaves no recorder observing jobs", async (t) => {
    const dir = tempDir(t);
    const refused = join(dir, "refused.json");
    const timedOf = async (fn: () => void): Promise<boolean> => {
      const job = toThread(fn);
      await job;
      return (job as unknown as { _job: { timed: boolean } })._job.timed;
    };
    // Inside a traced run: refused, and the run's trace goes on recording its jobs.
    const outer = join(dir, "outer.json");
    await run(
      async () => {
        await assert.rejects(
          run(async () => {}, { trace: refused }),
          RuntimeError,
        );
        await toThread(function afterRefusal() {});
      },
      { trace: outer },
    );
    assert.deepEqual(
      readTrace(outer)
        .traceEvents.filter((e) => e.ph === "X" && e.pid === 2)
        .map((e) => e.args!["fn"]),
      ["afterRefusal"],
    );
    // Refused when it claims the thread: its loopFactory started another run, which holds it.
    let other: Promise<boolean> | undefined;
    await assert.rejects(
      run(async () => {}, {
        trace: refused,
        loopFactory: () => {
          other = run(async () => timedOf(function inOther() {}), { trace: false });
          return new EventLoop();
        },
      }),
      (err: Error) => err instanceof RuntimeError && /cannot be called from a running event loop/.test(err.message),
    );
    assert.equal(await other, false, "the other run's job is not timed: no recorder observes it");
    assert.equal(existsSync(refused), false);
    assert.equal(await run(async () => timedOf(function later() {}), { trace: false }), false);
  });

  it("a job's failure shows on its event", async (t) => {
    const { trace } = await traced(
      t,
      async function main() {
        await toThread(function fails(): never {
          throw new Error("in the worker");
        }).catch(() => {});
      },
      { loopFactory: () => new EventLoop() },
    );
    const job = only(track(trace, 2, 1), (e) => e.ph === "X", "job");
    assert.equal(job.args!["state"], "failed");
    const wait = only(track(trace, 1, 1), (e) => e.cat === "wait", "wait");
    assert.equal(wait.args!["awaitsJob"], job.args!["job"]);
  });
});

describe("trace: options", () => {
  it("a trace option that is not a path is refused before main runs, saying what to pass", async () => {
    let ran = false;
    const main = async (): Promise<void> => {
      ran = true;
    };
    for (const bad of [42, "", true, { path: "x" }]) {
      await assert.rejects(run(main, { trace: bad as never }), (err: Error) => {
        assert.ok(err instanceof TypeError);
        assert.match(err.message, /the trace option must be the path of the file to write the trace to, or false/);
        assert.match(err.message, /trace: "trace\.json"/);
        return true;
      });
      assert.throws(() => new Runner({ trace: bad as never }), TypeError);
    }
    assert.equal(ran, false);
  });

  it("a path that cannot be written is refused before main runs", async (t) => {
    const dir = tempDir(t);
    let ran = false;
    const main = async (): Promise<void> => {
      ran = true;
    };
    for (const bad of [join(dir, "missing", "trace.json"), dir]) {
      await assert.rejects(run(main, { trace: bad }), (err: Error & { code?: string }) => {
        assert.equal(err.code, "ERR_ASYNCIO_TRACE_PATH");
        assert.match(err.message, /^the trace file .* \(from the trace option\) cannot be written: /);
        assert.match(err.message, /give a file path in a folder that exists and that this process may write to$/);
        return true;
      });
    }
    assert.equal(ran, false);
  });

  it("a write that fails at the end goes to the exception handler; run() still resolves to main's result", async (t) => {
    const dir = join(tempDir(t), "gone");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(dir);
    const reported: ExceptionContext[] = [];
    const result = await run(
      async () => {
        rmSync(dir, { recursive: true });
        return "result";
      },
      {
        trace: join(dir, "trace.json"),
        loopFactory: () => {
          const loop = new EventLoop();
          loop.setExceptionHandler((_loop, context) => reported.push(context));
          return loop;
        },
      },
    );
    assert.equal(result, "result");
    assert.equal(reported.length, 1);
    assert.match(reported[0]!.message, /^could not write the trace file .*trace\.json \(ENOENT/);
    assert.match(reported[0]!.message, /the run itself is not affected/);
  });

  it("the option wins over ASYNCIO_TS_TRACE; false turns the trace off; relative paths are from the current folder", async (t) => {
    const dir = tempDir(t);
    const saved = process.env["ASYNCIO_TS_TRACE"];
    process.env["ASYNCIO_TS_TRACE"] = join(dir, "from-env.json");
    t.after(() => {
      if (saved === undefined) delete process.env["ASYNCIO_TS_TRACE"];
      else process.env["ASYNCIO_TS_TRACE"] = saved;
    });
    await run(async () => {}, { trace: false });
    assert.equal(existsSync(join(dir, "from-env.json")), false);
    await run(async () => {}, { trace: relative(process.cwd(), join(dir, "from-option.json")) });
    assert.equal(existsSync(join(dir, "from-env.json")), false);
    readTrace(join(dir, "from-option.json"));
    await run(async () => {});
    readTrace(join(dir, "from-env.json"));
  });

  it("ASYNCIO_TS_TRACE's %p is the process id and %n the run's number in the process; the option's path is used as it is", async (t) => {
    const dir = tempDir(t);
    const program =
      `import { run } from ${JSON.stringify(join(root, "dist", "index.js"))};` +
      "await run(async () => 'one'); await run(async () => 'two');";
    const child = execFileAsync(process.execPath, ["--input-type=module", "-e", program], {
      cwd: dir,
      timeout: 60_000,
      env: { ...process.env, ASYNCIO_TS_TRACE: "trace-%p-%n.json" },
    });
    const pid = child.child.pid!;
    await child;
    for (const n of [1, 2]) {
      const trace = readTrace(join(dir, `trace-${pid}-${n}.json`));
      assert.equal(trace.otherData?.["pid"], pid);
      assert.equal(lifetime(trace, 1).args!["result"], n === 1 ? "'one'" : "'two'");
    }
    await run(async () => {}, { trace: join(dir, "literal-%p-%n.json") });
    readTrace(join(dir, "literal-%p-%n.json"));
  });

  it("without a trace or debug mode, the loop has no monitor: tasks read one field and do nothing more", async () => {
    const saved = process.env["ASYNCIO_TS_TRACE"];
    delete process.env["ASYNCIO_TS_TRACE"];
    try {
      const monitors = await run(async () => {
        const loop = getRunningLoop() as EventLoop & { _monitor?: unknown };
        const before = loop._monitor;
        await gather(async () => sleep(0));
        return [before, loop._monitor];
      });
      assert.deepEqual(monitors, [undefined, undefined]);
    } finally {
      if (saved !== undefined) process.env["ASYNCIO_TS_TRACE"] = saved;
    }
  });

  it("a cancelled run still writes the trace", async (t) => {
    const path = join(tempDir(t), "trace.json");
    await assert.rejects(
      run(
        async () => {
          const task = createTask(async () => sleep(1));
          getRunningLoop().callSoon(() => task.cancel());
          await task;
        },
        { trace: path, loopFactory: virtualClock().loopFactory },
      ),
      CancelledError,
    );
    const trace = readTrace(path);
    assert.equal(lifetime(trace, 1).args!["state"], "cancelled");
  });
});
