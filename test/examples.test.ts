/**
 * The examples against CPython: each compiled examples/<name>.ts runs beside
 * its twin examples/python/<name>.py under the machine's python3, and both
 * must print the same lines.
 *
 * These are the only tests that run on real time: the examples are the
 * seed's programs and sleep 0.1 to 0.3 s. Only ordering is checked, never a
 * duration; the sleeps are 100 ms apart, a margin that holds on a loaded
 * 2-core machine.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
// build/test/examples.test.js -> the package root.
const root = fileURLToPath(new URL("../..", import.meta.url));

/** Runs a program from the package root; returns its stdout lines, after checking it exited cleanly. */
async function lines(file: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const { stdout, stderr } = await run(file, [...args], { cwd: root, timeout: 30_000, env });
  assert.equal(stderr, "", `${[file, ...args].join(" ")} wrote to stderr`);
  return stdout.split("\n").slice(0, -1); // Every line ends with "\n".
}

/**
 * Output of build/examples/<ts>.js (on this Node) and of
 * examples/python/<py>.py, run side by side; under pyenv's CPython
 * `pythonVersion` if given (for what older Pythons lack).
 */
async function outputs(ts: string, py: string, pythonVersion?: string): Promise<{ ts: string[]; py: string[] }> {
  const env = pythonVersion === undefined ? process.env : { ...process.env, PYENV_VERSION: pythonVersion };
  const [tsLines, pyLines] = await Promise.all([
    lines(process.execPath, [`build/examples/${ts}.js`]),
    lines("python3", [`examples/python/${py}.py`], env),
  ]);
  return { ts: tsLines, py: pyLines };
}

describe("examples print what their CPython twins print", () => {
  it("Run Coroutine: run.ts prints hello, as run.py does", async () => {
    const out = await outputs("run", "run");
    assert.deepEqual(out.ts, out.py);
    assert.deepEqual(out.py, ["hello"]);
  });

  it("Run Sequentially: sequential.ts prints hello three times, as sequential.py does", async () => {
    const out = await outputs("sequential", "sequential");
    assert.deepEqual(out.ts, out.py);
    assert.deepEqual(out.py, ["hello", "hello", "hello"]);
  });

  it("Run Concurrently: gather.ts starts a, b, c at once, finishes them by deadline, and prints the results in argument order, as gather.py does", async () => {
    const out = await outputs("gather", "gather");
    assert.deepEqual(out.ts, out.py);
    assert.deepEqual(out.py, [
      "a: started",
      "b: started",
      "c: started",
      "b: finished",
      "a: finished",
      "c: finished",
      "Result: ['a', 'b', 'c']",
    ]);
  });

  it("Run as Completed: as-completed.ts starts a, b, c and prints each result as it completes, as as_completed.py does", async () => {
    const out = await outputs("as-completed", "as_completed");
    // CPython's as_completed() puts the awaitables in a set
    // ({ensure_future(f) for f in set(fs)}), so the coroutines start in set
    // order, which is arbitrary: the seed shows "a, c, b: started", a run
    // here may show "a, b, c". Only which ones started is guaranteed, so the
    // three "started" lines are compared as a set.
    const started = (all: string[]): string[] => all.slice(0, 3).sort();
    assert.deepEqual(started(out.ts), started(out.py));
    assert.deepEqual(started(out.py), ["a: started", "b: started", "c: started"]);
    // What follows is in completion order (b after 0.1 s, a after 0.2 s,
    // c after 0.3 s), each result printed as soon as it is done.
    assert.deepEqual(out.ts.slice(3), out.py.slice(3));
    assert.deepEqual(out.py.slice(3), ["b: finished", "b", "a: finished", "a", "c: finished", "c"]);
  });

  it("Run in Threads: to-thread.ts prints the lines of to_thread.py in the same order", async () => {
    const out = await outputs("to-thread", "to_thread");
    // The times differ from run to run; each line must match its twin once
    // they are masked. The work runs in a worker thread and prints there:
    // its lines still come in order with main's. (That the loop stays free
    // while the work blocks is tested without a clock in to-thread.test.ts.)
    const masked = (all: string[]): string[] => all.map((line) => line.replace(/\d\d:\d\d:\d\d/, "HH:MM:SS"));
    assert.deepEqual(masked(out.ts), masked(out.py));
    assert.deepEqual(masked(out.py), [
      "Started main at HH:MM:SS",
      "Work started HH:MM:SS",
      "Work done at HH:MM:SS",
      "Finished main at HH:MM:SS",
    ]);
  });

  it("TaskGroup: taskgroup.ts fails fast when b fails, cancels c, and catches the ExceptionGroup, as taskgroup.py does", async () => {
    const out = await outputs("taskgroup", "taskgroup");
    assert.deepEqual(out.ts, out.py);
    assert.deepEqual(out.py, [
      "a: started",
      "b: started",
      "c: started",
      "a: finished",
      "b: failed",
      "c: cancelled",
      "ExceptionGroup: unhandled errors in a TaskGroup (1 sub-exception)",
      "caught: b is broken",
    ]);
  });

  it("A bounded crawl: crawl.ts fetches 10 pages from a local server, at most 3 at a time, as crawl.py does with a Semaphore", async () => {
    const out = await outputs("crawl", "crawl");
    assert.deepEqual(out.ts, out.py);
    assert.deepEqual(out.py, [
      `fetched 10 pages: ${Array.from({ length: 10 }, (_, i) => `page ${i + 1}`).join(", ")}`,
      "at most 3 requests at once",
    ]);
  });

  it("A pipeline: pipeline.ts passes items from a producer to two workers through a bounded Queue and shuts it down, as pipeline.py does under CPython 3.13", async () => {
    const out = await outputs("pipeline", "pipeline", "3.13.0");
    assert.deepEqual(out.ts, out.py);
    assert.deepEqual(out.py, [
      "produced 1",
      "produced 2",
      "produced 3",
      "produced 4",
      "w1: 1 -> 1",
      "w2: 2 -> 4",
      "produced 5",
      "produced 6",
      "producer: no more items",
      "w1: 3 -> 9",
      "w2: 4 -> 16",
      "w1: 5 -> 25",
      "w1: done",
      "w2: 6 -> 36",
      "w2: done",
      "results: [1, 4, 9, 16, 25, 36]",
    ]);
  });
});
