import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { inspect } from "node:util";
import { Worker } from "node:worker_threads";
import {
  CancelledError,
  EventLoop,
  type ExceptionContext,
  Runner,
  RuntimeError,
  type Task,
  coroutine,
  createTask,
  currentTask,
  getRunningLoop,
  moduleFunction,
  run,
  sleep,
  toThread,
} from "asyncio-ts";
import { runVirtual, virtualClock } from "./support/virtual-loop.js";

// The repository root: this file runs as build/test/runners.test.js.
const root = fileURLToPath(new URL("../../", import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));

/** A fixture script run with the Node under test, its output collected. */
interface Child {
  /** Resolves once `line` was printed on stdout; rejects if the child exits first. */
  line(line: string): Promise<void>;
  /** Sends a signal. */
  kill(signal: NodeJS.Signals): void;
  /**
   * Resolves when the child has exited; `maxThreads` is the most threads it
   * was seen with (with `threadLimit`, where /proc tells), else undefined.
   */
  exited: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    maxThreads: number | undefined;
  }>;
}

interface FixtureOptions {
  /** Added to the child's environment. */
  env?: Record<string, string>;
  /** Kill the child once it has more threads than this (read from /proc, where there is one). */
  threadLimit?: number;
}

/** How many threads process `pid` has now; undefined without /proc. */
function threadCount(pid: number): number | undefined {
  try {
    const match = /^Threads:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

function spawnFixture(t: TestContext, name: string, args: string[] = [], options: FixtureOptions = {}): Child {
  const child = spawn(process.execPath, [fixture(name), ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: options.env === undefined ? process.env : { ...process.env, ...options.env },
  });
  // A safety net only: a hung child is killed so the test fails instead of
  // hanging. No assertion depends on time.
  const safety = setTimeout(() => child.kill("SIGKILL"), 20_000);
  // Another one for a child that starts threads without end: it is killed
  // once over the limit, before it takes the machine's memory.
  let maxThreads: number | undefined;
  const watch =
    options.threadLimit === undefined
      ? undefined
      : setInterval(() => {
          const n = child.pid === undefined ? undefined : threadCount(child.pid);
          if (n === undefined) return;
          maxThreads = Math.max(maxThreads ?? 0, n);
          if (n > options.threadLimit!) child.kill("SIGKILL");
        }, 10);
  t.after(() => {
    clearTimeout(safety);
    clearInterval(watch);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let stdout = "";
  let stderr = "";
  const waiters: { line: string; resolve: () => void; reject: (err: Error) => void }[] = [];
  const hasLine = (line: string): boolean => stdout.split("\n").slice(0, -1).includes(line);
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    for (const w of [...waiters]) {
      if (hasLine(w.line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = once(child, "close").then(() => {
    clearTimeout(safety);
    clearInterval(watch);
    for (const w of waiters.splice(0)) {
      w.reject(
        new Error(`${name} exited before printing ${JSON.stringify(w.line)}\nstdout: ${stdout}\nstderr: ${stderr}`),
      );
    }
    return { code: child.exitCode, signal: child.signalCode, stdout, stderr, maxThreads };
  });
  return {
    line: (line) =>
      hasLine(line)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            if (child.exitCode !== null || child.signalCode !== null) {
              reject(new Error(`${name} already exited without printing ${JSON.stringify(line)}`));
            } else {
              waiters.push({ line, resolve, reject });
            }
          }),
    kill: (signal) => {
      child.kill(signal);
    },
    exited,
  };
}

/** Blocks the thread: what the slow-callback warning is about. */
function blockFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}

/** Collects console.warn lines until the test ends. */
function captureWarnings(t: TestContext): string[] {
  const warnings: string[] = [];
  const saved = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(" "));
  };
  t.after(() => {
    console.warn = saved;
  });
  return warnings;
}

class ZeroDivisionError extends Error {
  override name = "ZeroDivisionError";
}

// asyncio-ts's messages: CPython's words, then what to write instead.
const RUN_IN_RUNNING_LOOP = "run() cannot be called from a running event loop: await main() there, or createTask(main)";
const RUNNER_RUN_IN_RUNNING_LOOP =
  "Runner.run() cannot be called from a running event loop: await main() there, or createTask(main)";
const NO_RUNNING_LOOP = "no running event loop: call this inside run(main), or inside a task that run() started";
const RUNNER_CLOSED = "Runner is closed: create a new Runner";

/** An assert.throws/rejects validator: an instance of `cls` with exactly `message`. */
function errorWith(cls: new (...args: never[]) => Error, message: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof cls, `expected a ${cls.name}, got ${String(err)}`);
    assert.equal(err.message, message);
    return true;
  };
}

describe("run()", () => {
  // Ported from test_runners.py: RunTests.test_asyncio_run_return (CPython 3.13)
  it("resolves to main's result", async () => {
    const result = await run(async () => {
      await sleep(0);
      return 42;
    });
    assert.equal(result, 42);
  });

  it("calls an async function main with no arguments, inside the main task", async () => {
    let seen: { args: number; task: Task | undefined } | undefined;
    const main = async (...args: unknown[]): Promise<string> => {
      seen = { args: args.length, task: currentTask() };
      await sleep(0);
      return "main result";
    };
    assert.equal(await run(main), "main result");
    assert.equal(seen?.args, 0);
    assert.ok(seen.task !== undefined, "main runs inside a task");
    assert.equal(seen.task.getCoro(), main);
    assert.ok(seen.task.done());
  });

  it("runs a lazy Coroutine as the main task and resolves to its result", async () => {
    const trace: string[] = [];
    const add = coroutine(async (a: number, b: number) => {
      trace.push(`add(${a}, ${b}) in a task: ${currentTask() !== undefined}`);
      await sleep(0);
      return a + b;
    });
    const coro = add(2, 3);
    trace.push("coroutine made");
    assert.equal(await run(coro), 5);
    assert.deepEqual(trace, ["coroutine made", "add(2, 3) in a task: true"]);
  });

  // Ported from test_runners.py: RunTests.test_asyncio_run_raises (CPython 3.13)
  it("rejects with the very error main threw", async () => {
    const spam = new Error("spam");
    await assert.rejects(
      run(async () => {
        await sleep(0);
        throw spam;
      }),
      (err) => err === spam,
    );
    const coroSpam = new Error("coroutine spam");
    const fails = coroutine(async () => {
      await sleep(0);
      throw coroSpam;
    });
    await assert.rejects(run(fails()), (err) => err === coroSpam);
  });

  // Ported from test_runners.py: RunTests.test_asyncio_run_only_coro (the
  // non-awaitable part: a plain function is a valid main here) (CPython 3.13)
  for (const [value, shown] of [
    [42, "42"],
    ["x", "'x'"],
    [{}, "{}"],
  ] as const) {
    it(`rejects a non-awaitable main (${JSON.stringify(value)}) with TypeError`, async () => {
      await assert.rejects(
        run(value as never),
        errorWith(
          TypeError,
          `run() expects an async function or a Coroutine, got ${shown}: pass the function, run(main)`,
        ),
      );
    });
  }

  it("rejects run(main()) with a TypeError that says to pass the function", async () => {
    async function main(): Promise<number> {
      await sleep(0); // outside a loop: the running promise rejects
      return 1;
    }
    await assert.rejects(
      run(main() as never),
      errorWith(
        TypeError,
        "run() expects an async function or a Coroutine, got a running Promise: pass the function, run(main), not its result, run(main())",
      ),
    );
  });

  it("does not turn the rejection of a running promise passed to run() into an unhandled rejection", async (t) => {
    const child = spawnFixture(t, "running-promise.js");
    const { code, stdout, stderr } = await child.exited;
    const notRunning =
      "TypeError: run() expects an async function or a Coroutine, got a running Promise: pass the function, run(main), not its result, run(main())";
    assert.deepEqual(stdout.split("\n"), [
      `run: ${notRunning}`,
      `run: ${notRunning}`,
      `run: ${notRunning}`,
      `nested run: RuntimeError: ${RUN_IN_RUNNING_LOOP}`,
      "end",
      "",
    ]);
    assert.equal(stderr, "");
    assert.equal(code, 0);
  });

  // Ported from test_runners.py: RunTests.test_asyncio_run_debug (without
  // the PYTHONASYNCIODEBUG part) (CPython 3.13)
  it("sets the loop's debug mode from the debug option, off by default", async () => {
    const seen: boolean[] = [];
    const main = async (): Promise<void> => {
      seen.push(getRunningLoop().getDebug());
    };
    await run(main, { debug: false });
    await run(main, { debug: true });
    await run(main);
    assert.deepEqual(seen, [false, true, false]);
  });

  // Ported from test_runners.py: RunTests.test_asyncio_run_loop_factory (CPython 3.13)
  it("runs main on the loop that loopFactory returns, calling it once with no arguments", async () => {
    const loop = new EventLoop();
    const calls: unknown[][] = [];
    const factory = (...args: unknown[]): EventLoop => {
      calls.push(args);
      return loop;
    };
    let running: EventLoop | undefined;
    await run(
      async () => {
        running = getRunningLoop();
      },
      { loopFactory: factory },
    );
    assert.equal(running, loop);
    assert.deepEqual(calls, [[]]);
  });

  it("always runs on a new loop and closes it at the end", async () => {
    const loops: EventLoop[] = [];
    const states: string[] = [];
    const main = async (): Promise<void> => {
      const loop = getRunningLoop();
      loops.push(loop);
      states.push(`running=${loop.isRunning()} closed=${loop.isClosed()}`);
      await sleep(0);
    };
    await run(main);
    await run(main);
    assert.equal(loops.length, 2);
    assert.notEqual(loops[0], loops[1]);
    assert.deepEqual(states, ["running=true closed=false", "running=true closed=false"]);
    assert.equal(loops[0]!.isClosed(), true);
    assert.equal(loops[1]!.isClosed(), true);
    assert.throws(() => getRunningLoop(), errorWith(RuntimeError, NO_RUNNING_LOOP));
  });

  it("closes the loop when main throws", async () => {
    let loop: EventLoop | undefined;
    await assert.rejects(
      run(async () => {
        loop = getRunningLoop();
        throw new Error("fail");
      }),
      /fail/,
    );
    assert.equal(loop?.isClosed(), true);
  });

  // Ported from test_runners.py: RunTests.test_asyncio_run_from_running_loop (CPython 3.13)
  it("rejects a run() nested in a running loop with RuntimeError, without running its main", async () => {
    const trace: string[] = [];
    await assert.rejects(
      run(async function main() {
        await run(async function inner() {
          trace.push("inner ran");
        });
      }),
      errorWith(RuntimeError, RUN_IN_RUNNING_LOOP),
    );
    assert.deepEqual(trace, []);
  });

  it("lets main catch the nested run()'s RuntimeError and go on", async () => {
    const result = await run(async () => {
      try {
        await run(async () => "inner");
        return "nested run resolved";
      } catch (err) {
        return err instanceof RuntimeError && err.message === RUN_IN_RUNNING_LOOP ? "caught" : `other: ${String(err)}`;
      }
    });
    assert.equal(result, "caught");
  });

  it("rejects a second run() started beside a running one; a later run() works", async () => {
    const trace: string[] = [];
    const first = run(async () => {
      trace.push("first started");
      await sleep(0);
      return "first";
    });
    const second = run(async () => {
      trace.push("second started");
      return "second";
    });
    const secondRejected = assert.rejects(second, errorWith(RuntimeError, RUN_IN_RUNNING_LOOP));
    assert.equal(await first, "first");
    await secondRejected;
    assert.equal(await run(async () => "later"), "later");
    assert.deepEqual(trace, ["first started"]);
  });

  // Ported from test_runners.py: RunTests.test_asyncio_run_cancels_hanging_tasks (CPython 3.13)
  it("cancels the tasks still pending when main returns", async () => {
    let loTask: Task | undefined;
    const result = await runVirtual(async () => {
      loTask = createTask(async function leftover() {
        await sleep(0.1);
      });
      return 123;
    });
    assert.equal(result, 123);
    assert.equal(loTask?.done(), true);
    assert.equal(loTask.cancelled(), true);
  });

  it("cancels at shutdown a task whose function returns a Future directly", async (t) => {
    // CPython: create_task(asyncio.sleep(3600)) left pending is cancelled at
    // once. In a child process: a failure here must not take the other tests'
    // event loop down with it.
    const { code, stdout, stderr } = await spawnFixture(t, "future-body.js").exited;
    assert.equal(stderr, "");
    assert.equal(stdout, "result: main result\nleftover cancelled: true\nvirtual time: 0\n");
    assert.equal(code, 0);
  });

  it("waits for the cancelled tasks: their finally blocks finish before run() resolves", async () => {
    const trace: string[] = [];
    let leftover: Task | undefined;
    const result = await runVirtual(async () => {
      leftover = createTask(async () => {
        try {
          trace.push("leftover sleeps");
          await sleep(3600);
        } finally {
          trace.push("leftover finally starts");
          await sleep(0);
          await sleep(0);
          trace.push("leftover finally ends");
        }
      });
      await sleep(0);
      trace.push("main returns");
      return "main result";
    });
    trace.push("run resolved");
    assert.equal(result, "main result");
    assert.equal(leftover?.cancelled(), true);
    assert.deepEqual(trace, [
      "leftover sleeps",
      "main returns",
      "leftover finally starts",
      "leftover finally ends",
      "run resolved",
    ]);
  });

  // Ported from test_runners.py: RunTests.test_asyncio_run_reports_hanging_tasks_errors (CPython 3.13)
  it("reports an error a cancelled task raises at shutdown to the loop's exception handler", async () => {
    let loTask: Task | undefined;
    const contexts: ExceptionContext[] = [];
    const result = await runVirtual(async () => {
      getRunningLoop().setExceptionHandler((_loop, context) => {
        contexts.push(context);
      });
      loTask = createTask(async function leftover() {
        try {
          await sleep(0.1);
        } catch (err) {
          if (err instanceof CancelledError) throw new ZeroDivisionError("division by zero");
          throw err;
        }
      });
      return 123;
    });
    assert.equal(result, 123);
    assert.equal(loTask?.done(), true);
    assert.equal(contexts.length, 1);
    const context = contexts[0]!;
    assert.deepEqual(Object.keys(context).sort(), ["exception", "message", "task"]);
    assert.match(context.message, /asyncio\.run.*shutdown/);
    assert.equal(context.message, "unhandled exception during asyncio.run() shutdown");
    assert.equal(context.task, loTask);
    assert.ok(context.exception instanceof ZeroDivisionError);
    assert.equal(context.exception.message, "division by zero");
  });

  it("writes a shutdown error to stderr with the default handler, not as an unhandled rejection", async (t) => {
    const child = spawnFixture(t, "shutdown-error.js");
    const { code, stdout, stderr } = await child.exited;
    assert.equal(stdout, "main result\n");
    assert.match(stderr, /unhandled exception during asyncio\.run\(\) shutdown/);
    assert.match(stderr, /ShutdownError: boom during shutdown/);
    assert.doesNotMatch(stderr, /never retrieved/);
    assert.equal(code, 0);
  });

  // Ported from test_runners.py: RunTests.test_asyncio_run_closes_gens_after_hanging_tasks_errors (CPython 3.13)
  it("closes async generators after a hanging task's shutdown error, and rejects with main's error", async () => {
    class FancyExit extends Error {}
    let spinner: AsyncGenerator<number> | undefined;
    let lazyboy: Task | undefined;
    const reported: unknown[] = [];

    async function* fidget(): AsyncGenerator<number> {
      for (;;) {
        yield 1;
        await sleep(1);
      }
    }

    async function spin(): Promise<void> {
      spinner = fidget();
      try {
        for await (const theMeaningOfLife of spinner) void theMeaningOfLife;
      } catch (err) {
        if (err instanceof CancelledError) throw new ZeroDivisionError("division by zero");
        throw err;
      }
    }

    await assert.rejects(
      runVirtual(async () => {
        getRunningLoop().setExceptionHandler((_loop, context) => {
          reported.push(context.exception);
        });
        lazyboy = createTask(spin);
        throw new FancyExit();
      }),
      FancyExit,
    );
    assert.equal(lazyboy?.done(), true);
    assert.equal(reported.length, 1);
    assert.ok(reported[0] instanceof ZeroDivisionError);
    assert.equal(reported[0].message, "division by zero");
    // Closed: a further next() runs no code and reports the end.
    assert.deepEqual(await spinner?.next(), { value: undefined, done: true });
  });

  it("finalizes async generators started in the run and left open, before run() resolves", async () => {
    const trace: string[] = [];
    async function* numbers(): AsyncGenerator<number> {
      try {
        yield 1;
        yield 2;
      } finally {
        trace.push("numbers finally starts");
        await sleep(0);
        trace.push("numbers finally ends");
      }
    }
    let gen: AsyncGenerator<number> | undefined;
    await runVirtual(async () => {
      gen = numbers();
      trace.push(`got ${(await gen.next()).value}`);
      trace.push("main returns");
    });
    trace.push("run resolved");
    assert.deepEqual(trace, [
      "got 1",
      "main returns",
      "numbers finally starts",
      "numbers finally ends",
      "run resolved",
    ]);
    assert.deepEqual(await gen?.next(), { value: undefined, done: true });
  });

  it("finalizes an open async generator of a task cancelled at shutdown", async () => {
    const trace: string[] = [];
    async function* forever(): AsyncGenerator<number> {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        trace.push("forever finally");
      }
    }
    await runVirtual(async () => {
      const holding = getRunningLoop().createFuture<void>();
      createTask(async () => {
        const gen = forever();
        await gen.next();
        trace.push("task holds the generator");
        holding.setResult();
        await sleep(3600);
      });
      await holding;
      trace.push("main returns");
    });
    trace.push("run resolved");
    assert.deepEqual(trace, ["task holds the generator", "main returns", "forever finally", "run resolved"]);
  });

  it("does not touch an async generator driven by code outside the run", async () => {
    const trace: string[] = [];
    async function* outside(): AsyncGenerator<string> {
      try {
        yield "a";
        yield "b";
      } finally {
        trace.push("outside finally");
      }
    }
    const gen = outside();
    let mainStarted!: () => void;
    const started = new Promise<void>((resolve) => (mainStarted = resolve));
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const running = run(async () => {
      mainStarted();
      await gate;
      return "main done";
    });
    await started;
    // First iterated while the loop runs, but by code outside any task.
    trace.push(`outside got ${(await gen.next()).value}`);
    openGate();
    assert.equal(await running, "main done");
    trace.push("run resolved");
    trace.push(`outside got ${(await gen.next()).value}`);
    await gen.return(undefined);
    assert.deepEqual(trace, ["outside got a", "run resolved", "outside got b", "outside finally"]);
  });

  it("leaves nothing that keeps the process alive", async (t) => {
    const child = spawnFixture(t, "exit-promptly.js");
    const { code, signal, stdout, stderr } = await child.exited;
    assert.equal(stderr, "");
    assert.equal(stdout, "done\n");
    assert.equal(signal, null, "killed by the safety net: the process did not exit by itself");
    assert.equal(code, 0);
  });

  it("keeps the process alive while main awaits a foreign promise", async (t) => {
    const child = spawnFixture(t, "foreign-promise.js");
    const { code, stdout, stderr } = await child.exited;
    assert.equal(stderr, "");
    assert.equal(stdout, "result: late\n");
    assert.equal(code, 0);
  });

  // Ported from test_runners.py: RunnerTests.test_signal_install_not_supported_ok (CPython 3.13)
  // (a worker thread cannot install a SIGINT handler; run() works anyway) (CPython 3.13)
  it("works in a worker thread, where it installs no SIGINT handler", async (t) => {
    const worker = new Worker(fixture("worker-run.js"));
    t.after(() => worker.terminate());
    // Both listeners from the start: a worker that posts and ends at once can
    // deliver its message and its exit in the same turn, so an 'exit'
    // listener added once the message has arrived may wait forever.
    const messages: unknown[] = [];
    worker.on("message", (message: unknown) => messages.push(message));
    const [exitCode] = (await once(worker, "exit", { signal: AbortSignal.timeout(60_000) }).catch((err: unknown) => {
      throw new Error(`the worker did not end within 60 s; it sent ${inspect(messages)}`, { cause: err });
    })) as [number];
    assert.deepEqual(messages, ["done in worker"]);
    assert.equal(exitCode, 0);
  });
});

describe("run() in a worker thread of the thread pool", () => {
  const HASH = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"; // sha256("hello")
  // A process with one pool worker has about a dozen threads; the recipe
  // without the refusal passes this limit as its workers nest.
  const threadLimit = 50;

  /** Asserts that stderr shows the refusal: its class, code, cause and fix. */
  function assertRefused(stderr: string): void {
    assert.match(stderr, /RuntimeError/);
    assert.match(stderr, /ERR_ASYNCIO_RUN_IN_POOL_WORKER/);
    assert.match(stderr, /run\(\) was called in a worker thread of asyncio-ts's thread pool/);
    assert.match(stderr, /calls run\(\) when imported/);
    assert.match(stderr, /Move the function to a module of its own that does not call run\(\)/);
    assert.match(stderr, /if \(isMainThread\) await run\(main\)/);
    // The import failed with it, and so did the job: no worker crashed or exited.
    assert.doesNotMatch(stderr, /WorkerError|exited with code/);
  }

  it("refuses in the README's recipe written in the entry file: the job fails with the error, no pool starts in the worker", async (t) => {
    const child = spawnFixture(t, "readme-recipe.mjs", [], { threadLimit });
    const { code, signal, stdout, stderr, maxThreads } = await child.exited;
    assert.equal(signal, null, `killed with ${maxThreads} threads: the workers started pools of their own\n${stderr}`);
    assertRefused(stderr);
    assert.equal(stdout, "");
    assert.equal(code, 1);
    if (maxThreads !== undefined) assert.ok(maxThreads <= threadLimit, `${maxThreads} threads`);
  });

  it("refuses with the same error when the export is missing, rather than a worker that exited", async (t) => {
    const child = spawnFixture(t, "readme-recipe.mjs", [], { threadLimit, env: { ASYNCIO_TS_EXPORT: "missing" } });
    const { code, signal, stdout, stderr, maxThreads } = await child.exited;
    assert.equal(signal, null, `killed with ${maxThreads} threads: the workers started pools of their own\n${stderr}`);
    assertRefused(stderr);
    assert.equal(stdout, "");
    assert.equal(code, 1);
  });

  it("refuses a thread-pool job submitted by a module's top-level code while a pool worker imports it", async (t) => {
    const child = spawnFixture(t, "pool-at-import.mjs", [], { threadLimit });
    const { code, signal, stdout, stderr, maxThreads } = await child.exited;
    assert.equal(signal, null, `killed with ${maxThreads} threads: the workers started pools of their own\n${stderr}`);
    assert.match(stderr, /RuntimeError/);
    assert.match(stderr, /ERR_ASYNCIO_POOL_IN_POOL_WORKER/);
    assert.match(
      stderr,
      /submit\(\) was called while a worker thread of asyncio-ts's thread pool imported file:.*pool-at-import\.mjs/,
    );
    assert.match(stderr, /Move the function to a module of its own that starts nothing when imported/);
    assert.equal(stdout, "");
    assert.equal(code, 1);
  });

  it("runs the README's layout: the function in a module of its own, run() in the entry file", async (t) => {
    const child = spawnFixture(t, "readme-layout.mjs", [], { threadLimit });
    const { code, signal, stdout, stderr } = await child.exited;
    assert.equal(signal, null);
    assert.equal(stderr, "");
    assert.equal(stdout, `${HASH}\n`);
    assert.equal(code, 0);
  });

  it("runs the recipe in the entry file when its run() is guarded with isMainThread", async (t) => {
    const child = spawnFixture(t, "readme-guarded.mjs", [], { threadLimit });
    const { code, signal, stdout, stderr } = await child.exited;
    assert.equal(signal, null);
    assert.equal(stderr, "");
    assert.equal(stdout, `${HASH}\n`);
    assert.equal(code, 0);
  });

  for (const name of ["callsRun", "callsRunnerRun"]) {
    it(`refuses ${name === "callsRun" ? "run()" : "Runner.run()"} in a job, with a RuntimeError that has a code`, async () => {
      const job = moduleFunction(pathToFileURL(fixture("run-in-job.mjs")), name);
      const err = await run(() => toThread(job)).then(
        () => assert.fail("the job ran a loop in a pool worker"),
        (e: unknown) => e as Error & { code?: string },
      );
      assert.ok(err instanceof RuntimeError, "asyncio-ts's own errors come back as themselves");
      assert.equal(err.code, "ERR_ASYNCIO_RUN_IN_POOL_WORKER");
      assert.match(
        err.message,
        new RegExp(`^${name === "callsRun" ? "run" : "Runner\\.run"}\\(\\) was called in a worker thread`),
      );
    });
  }
});

describe("run() and SIGINT", () => {
  it("cancels the main task on SIGINT: finally runs, KeyboardInterrupt, exit code 130", async (t) => {
    const child = spawnFixture(t, "sigint.js");
    await child.line("started");
    child.kill("SIGINT");
    const { code, stdout, stderr } = await child.exited;
    assert.equal(stdout, "started\nfinally\n");
    assert.match(stderr, /KeyboardInterrupt/);
    assert.equal(code, 130);
  });

  it("exits at once with code 130 on a second SIGINT when main ignores the first", async (t) => {
    const child = spawnFixture(t, "sigint-ignore.js");
    await child.line("started");
    child.kill("SIGINT");
    await child.line("ignored");
    child.kill("SIGINT");
    const { code, signal, stdout } = await child.exited;
    assert.equal(stdout, "started\nignored\n");
    assert.equal(signal, null);
    assert.equal(code, 130);
  });

  it("adds its SIGINT listener only while it runs", async () => {
    // node:test adds no SIGINT listener of its own: run() installs one.
    const before = process.listenerCount("SIGINT");
    const during: number[] = [];
    await run(async () => {
      during.push(process.listenerCount("SIGINT"));
      await sleep(0);
    });
    assert.equal(process.listenerCount("SIGINT"), before);
    await assert.rejects(
      run(async () => {
        during.push(process.listenerCount("SIGINT"));
        throw new Error("fail");
      }),
      /fail/,
    );
    assert.equal(process.listenerCount("SIGINT"), before);
    const runner = new Runner();
    try {
      await runner.run(async () => {
        during.push(process.listenerCount("SIGINT"));
      });
      assert.equal(process.listenerCount("SIGINT"), before);
    } finally {
      await runner.close();
    }
    assert.equal(process.listenerCount("SIGINT"), before);
    assert.deepEqual(during, [before + 1, before + 1, before + 1]);
  });

  // Ported from test_runners.py: RunnerTests.test_signal_install_not_supported_ok (CPython 3.13)
  // (asyncio-ts does not install its handler beside the program's own) (CPython 3.13)
  it("leaves SIGINT alone when the program listens for it itself", async (t) => {
    const mine = (): void => {};
    process.on("SIGINT", mine);
    t.after(() => process.removeListener("SIGINT", mine));
    const before = process.listenerCount("SIGINT");
    let during = -1;
    const result = await run(async () => {
      during = process.listenerCount("SIGINT");
      await sleep(0);
      return "ran";
    });
    assert.equal(result, "ran");
    assert.equal(during, before);
    assert.equal(process.listenerCount("SIGINT"), before);
  });
});

describe("run() in debug mode", () => {
  it("is on when ASYNCIO_TS_DEBUG is non-empty, as CPython's PYTHONASYNCIODEBUG, unless run() says otherwise", async () => {
    const saved = process.env["ASYNCIO_TS_DEBUG"];
    const debugOf = (options: { debug?: boolean } = {}): Promise<boolean> =>
      run(async () => getRunningLoop().getDebug(), options);
    try {
      delete process.env["ASYNCIO_TS_DEBUG"];
      assert.equal(await debugOf(), false);
      process.env["ASYNCIO_TS_DEBUG"] = "1";
      assert.equal(await debugOf(), true);
      assert.equal(new EventLoop().getDebug(), true);
      assert.equal(await debugOf({ debug: false }), false);
      process.env["ASYNCIO_TS_DEBUG"] = "0"; // Any non-empty value, as in CPython.
      assert.equal(await debugOf(), true);
      process.env["ASYNCIO_TS_DEBUG"] = "";
      assert.equal(await debugOf(), false);
    } finally {
      if (saved === undefined) delete process.env["ASYNCIO_TS_DEBUG"];
      else process.env["ASYNCIO_TS_DEBUG"] = saved;
    }
  });

  it("shows a task's creation site in its toString()", async () => {
    let repr = "";
    await run(
      async () => {
        const task = createTask(async () => {});
        repr = task.toString();
        await task;
      },
      { debug: true },
    );
    assert.match(repr, /runners\.test\./);
  });

  it("logs a callback that blocks the loop, naming it", async (t) => {
    const warnings = captureWarnings(t);
    await run(
      async () => {
        getRunningLoop().callSoon(function blockingCallback() {
          blockFor(150);
        });
        await sleep(0);
        await sleep(0);
      },
      { debug: true },
    );
    assert.ok(
      warnings.some((w) => w.includes("Executing") && w.includes("blockingCallback")),
      `no warning naming blockingCallback in ${JSON.stringify(warnings)}`,
    );
  });

  it("logs a task's first step that blocks the loop, naming the task", async (t) => {
    const warnings = captureWarnings(t);
    await run(
      async () => {
        await createTask(
          async () => {
            blockFor(150);
          },
          { name: "blocking-first-step" },
        );
      },
      { debug: true },
    );
    assert.ok(
      warnings.some((w) => w.includes("Executing") && w.includes("blocking-first-step")),
      `no warning naming blocking-first-step in ${JSON.stringify(warnings)}`,
    );
  });

  it("logs a task's later step that blocks the loop, naming the task", async (t) => {
    const warnings = captureWarnings(t);
    await run(
      async () => {
        await createTask(
          async () => {
            await sleep(0);
            blockFor(150);
            await sleep(0);
          },
          { name: "blocking-later-step" },
        );
      },
      { debug: true },
    );
    assert.ok(
      warnings.some((w) => w.includes("Executing") && w.includes("blocking-later-step")),
      `no warning naming blocking-later-step in ${JSON.stringify(warnings)}`,
    );
  });

  it("logs nothing when not in debug mode", async (t) => {
    const warnings = captureWarnings(t);
    await run(async () => {
      getRunningLoop().callSoon(function blockingCallback() {
        blockFor(150);
      });
      await sleep(0);
      await sleep(0);
    });
    assert.deepEqual(warnings, []);
  });
});

describe("Runner", () => {
  // Ported from test_runners.py: RunnerTests.test_non_debug (CPython 3.13)
  it("makes a loop without debug mode with debug: false", async () => {
    const runner = new Runner({ debug: false });
    try {
      assert.equal(runner.getLoop().getDebug(), false);
    } finally {
      await runner.close();
    }
  });

  // Ported from test_runners.py: RunnerTests.test_debug (CPython 3.13)
  it("makes a loop in debug mode with debug: true", async () => {
    const runner = new Runner({ debug: true });
    try {
      assert.equal(runner.getLoop().getDebug(), true);
    } finally {
      await runner.close();
    }
  });

  // Ported from test_runners.py: RunnerTests.test_custom_factory (CPython 3.13)
  it("uses the loop that loopFactory returns", async () => {
    const loop = new EventLoop();
    const runner = new Runner({ loopFactory: () => loop });
    try {
      assert.equal(runner.getLoop(), loop);
    } finally {
      await runner.close();
    }
  });

  // Ported from test_runners.py: RunnerTests.test_run (CPython 3.13)
  it("runs main, and after close() getLoop() throws and the loop is closed", async () => {
    const runner = new Runner();
    let loop: EventLoop;
    try {
      const result = await runner.run(async function f() {
        await sleep(0);
        return "done";
      });
      assert.equal(result, "done");
      loop = runner.getLoop();
    } finally {
      await runner.close();
    }
    assert.throws(() => runner.getLoop(), errorWith(RuntimeError, RUNNER_CLOSED));
    assert.equal(loop.isClosed(), true);
  });

  // Ported from test_runners.py: RunnerTests.test_no_repr_is_call_on_the_task_result (CPython 3.13)
  // CPython counts __repr__ calls; here both ways to show a value count:
  // toString() and util.inspect().
  it("does not format main's result", async () => {
    class MyResult {
      reprCount = 0;
      toString(): string {
        this.reprCount++;
        return "MyResult";
      }
      [inspect.custom](): string {
        this.reprCount++;
        return "MyResult";
      }
    }
    const runner = new Runner();
    let result: MyResult;
    try {
      result = await runner.run(async () => new MyResult());
    } finally {
      await runner.close();
    }
    assert.equal(result.reprCount, 0);
  });

  // Ported from test_runners.py: RunnerTests.test_run_non_coro (CPython 3.13)
  it("rejects a non-awaitable main with TypeError", async () => {
    const runner = new Runner();
    try {
      await assert.rejects(
        runner.run(123 as never),
        errorWith(
          TypeError,
          "Runner.run() expects an async function or a Coroutine, got 123: pass the function, run(main)",
        ),
      );
    } finally {
      await runner.close();
    }
  });

  // Ported from test_runners.py: RunnerTests.test_run_future (CPython 3.13)
  it("rejects a Future as main with TypeError", async () => {
    const runner = new Runner();
    try {
      const fut = runner.getLoop().createFuture();
      await assert.rejects(
        runner.run(fut as never),
        errorWith(
          TypeError,
          "Runner.run() expects an async function or a Coroutine, got a running thenable: pass the function, run(main), not its result, run(main())",
        ),
      );
    } finally {
      await runner.close();
    }
  });

  // Ported from test_runners.py: RunnerTests.test_explicit_close (CPython 3.13)
  it("closes its loop on an explicit close()", async () => {
    const runner = new Runner();
    const loop = runner.getLoop();
    await runner.close();
    assert.throws(() => runner.getLoop(), errorWith(RuntimeError, RUNNER_CLOSED));
    assert.equal(loop.isClosed(), true);
  });

  // Ported from test_runners.py: RunnerTests.test_double_close (CPython 3.13)
  it("ignores a second close()", async () => {
    const runner = new Runner();
    const loop = runner.getLoop();
    await runner.close();
    assert.equal(loop.isClosed(), true);
    await runner.close();
    assert.equal(loop.isClosed(), true);
  });

  // Ported from test_runners.py: RunnerTests.test_second_with_block_raises (CPython 3.13)
  it("rejects run() after close() with RuntimeError, without running main", async () => {
    const ret: number[] = [];
    const f = coroutine(async (arg: number) => {
      ret.push(arg);
    });
    const runner = new Runner();
    try {
      await runner.run(f(1));
    } finally {
      await runner.close();
    }
    await assert.rejects(runner.run(f(2)), errorWith(RuntimeError, RUNNER_CLOSED));
    assert.deepEqual(ret, [1]);
  });

  it("runs several mains on the same loop; a task of one run goes on in the next", async () => {
    const { loopFactory } = virtualClock();
    const runner = new Runner({ loopFactory });
    const loops: EventLoop[] = [];
    let background: Task<string> | undefined;
    try {
      await runner.run(async () => {
        loops.push(getRunningLoop());
        background = createTask(async () => {
          await sleep(1);
          return "background";
        });
      });
      const result = await runner.run(async () => {
        loops.push(getRunningLoop());
        return await background!;
      });
      assert.equal(result, "background");
      assert.equal(loops.length, 2);
      assert.equal(loops[0], runner.getLoop());
      assert.equal(loops[1], runner.getLoop());
      assert.equal(runner.getLoop().isClosed(), false);
    } finally {
      await runner.close();
    }
    assert.equal(loops[0]!.isClosed(), true);
  });

  it("cancels the tasks still pending on close(), waiting for their finally blocks", async () => {
    const { loopFactory } = virtualClock();
    const runner = new Runner({ loopFactory });
    const trace: string[] = [];
    let leftover: Task | undefined;
    try {
      await runner.run(async () => {
        leftover = createTask(async () => {
          try {
            await sleep(3600);
          } finally {
            await sleep(0);
            trace.push("leftover finally");
          }
        });
        await sleep(0);
      });
      trace.push("run resolved");
    } finally {
      await runner.close();
      trace.push("close resolved");
    }
    assert.equal(leftover?.cancelled(), true);
    assert.deepEqual(trace, ["run resolved", "leftover finally", "close resolved"]);
  });

  // Ported from test_runners.py: RunnerTests.test_recursive_run (CPython 3.13)
  it("rejects Runner.run() inside its own running loop with RuntimeError", async () => {
    const trace: string[] = [];
    const runner = new Runner();
    try {
      await assert.rejects(
        runner.run(async function f() {
          await runner.run(async function g() {
            trace.push("g ran");
          });
        }),
        errorWith(RuntimeError, RUNNER_RUN_IN_RUNNING_LOOP),
      );
    } finally {
      await runner.close();
    }
    assert.deepEqual(trace, []);
  });

  it("rejects Runner.run() inside another running loop with RuntimeError", async () => {
    const runner = new Runner();
    try {
      const result = await run(async () => {
        try {
          await runner.run(async () => "inner");
          return "inner run resolved";
        } catch (err) {
          return err instanceof RuntimeError && err.message === RUNNER_RUN_IN_RUNNING_LOOP
            ? "RuntimeError"
            : String(err);
        }
      });
      assert.equal(result, "RuntimeError");
    } finally {
      await runner.close();
    }
  });

  // Ported from test_runners.py: RunnerTests.test_interrupt_call_soon (CPython 3.13)
  it("turns SIGINT into KeyboardInterrupt when main is in a sleep(0) loop", async (t) => {
    const { code, stdout, stderr } = await spawnFixture(t, "interrupt.js", ["call-soon"]).exited;
    assert.equal(stdout, "coro: CancelledError\nrun: KeyboardInterrupt\n");
    assert.equal(stderr, "");
    assert.equal(code, 0);
  });

  // Ported from test_runners.py: RunnerTests.test_interrupt_wait (CPython 3.13)
  it("on SIGINT cancels both the future main awaits and main, then KeyboardInterrupt", async (t) => {
    const { code, stdout, stderr } = await spawnFixture(t, "interrupt.js", ["wait"]).exited;
    assert.equal(stdout, "coro: CancelledError\nfut.cancelled(): true\nrun: KeyboardInterrupt\n");
    assert.equal(stderr, "");
    assert.equal(code, 0);
  });

  // Ported from test_runners.py: RunnerTests.test_interrupt_cancelled_task (CPython 3.13)
  it("rejects with CancelledError, not KeyboardInterrupt, when main was cancelled before SIGINT", async (t) => {
    const { code, stdout, stderr } = await spawnFixture(t, "interrupt.js", ["cancelled-task"]).exited;
    assert.equal(stdout, "run: CancelledError\n");
    assert.equal(stderr, "");
    assert.equal(code, 0);
  });
});
