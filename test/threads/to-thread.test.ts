import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import {
  CancelledError,
  RuntimeError,
  ThreadPoolExecutor,
  WorkerError,
  cancellable,
  createTask,
  gather,
  getRunningLoop,
  moduleFunction,
  type JobSignal,
  registerErrorClass,
  run,
  sleep,
  toThread,
  transfer,
} from "asyncio-ts";
import { node24, node24Skip } from "../support/node24.js";
declare global {
  // Set on the caller's globalThis only, by one test.
  var onlyInTheCaller: number | undefined;
}

// build/test/threads/ -> the package root.
const root = fileURLToPath(new URL("../../..", import.meta.url));
const fixtures = new URL("test/fixtures/", `file://${root}`);
const { QuotaError } = (await import(new URL("thread-functions.js", fixtures).href)) as {
  QuotaError: new (message: string) => Error;
};

describe("toThread()", () => {
  // Ported from test_threads.py: ToThreadTests.test_to_thread (CPython 3.13)
  it("runs the function in a worker thread and resolves to its result", async () => {
    const result = await run(() => toThread((xs: number[]) => xs.reduce((a, b) => a + b, 0), [40, 2]));
    assert.equal(result, 42);
  });

  // Ported from test_threads.py: ToThreadTests.test_to_thread_exception (CPython 3.13)
  it("rejects with the error the function threw, of the same class", async () => {
    await assert.rejects(
      run(() =>
        toThread(() => {
          throw new TypeError("test");
        }),
      ),
      (err: unknown) => err instanceof TypeError && err.message === "test",
    );
  });

  // Ported from test_threads.py: ToThreadTests.test_to_thread_once (CPython 3.13)
  it("calls the function once", async () => {
    const calls = new Int32Array(new SharedArrayBuffer(4));
    await run(() => toThread((c: Int32Array) => void Atomics.add(c, 0, 1), calls));
    assert.equal(Atomics.load(calls, 0), 1);
  });

  // Ported from test_threads.py: ToThreadTests.test_to_thread_concurrent (CPython 3.13)
  it("runs ten calls gathered, each once", async () => {
    const calls = new Int32Array(new SharedArrayBuffer(4));
    await run(async () => {
      const bump = (c: Int32Array): void => void Atomics.add(c, 0, 1);
      await gather(...Array.from({ length: 10 }, () => toThread(bump, calls)));
    });
    assert.equal(Atomics.load(calls, 0), 10);
  });

  // Ported from test_threads.py: ToThreadTests.test_to_thread_args_kwargs (CPython 3.13)
  it("passes the arguments through", async () => {
    const result = await run(() => toThread((...args: unknown[]) => args, "test", { something: true }, [1, 2]));
    assert.deepEqual(result, ["test", { something: true }, [1, 2]]);
  });

  it("keeps the loop free while the function blocks: the loop's code releases the blocked worker", async () => {
    // The worker blocks until main's code, which runs only if the loop is
    // free, sets the flag; if toThread blocked the loop, the worker would
    // time out (20 s, a safety net) and say so.
    const state = new Int32Array(new SharedArrayBuffer(8)); // [started, released]
    const outcome = await run(async () => {
      const blocked = toThread((s: Int32Array) => {
        Atomics.store(s, 0, 1);
        return Atomics.wait(s, 1, 0, 20_000);
      }, state);
      while (Atomics.load(state, 0) === 0) await sleep(0.001); // The loop runs while the worker blocks.
      Atomics.store(state, 1, 1);
      Atomics.notify(state, 1);
      return await blocked;
    });
    assert.equal(outcome, "ok");
  });

  it("runs CPU-bound calls on several threads at once", async () => {
    // Two calls that each wait for the other to start: they can only both
    // finish if two threads run them at the same time.
    const started = new Int32Array(new SharedArrayBuffer(4));
    const meet = (s: Int32Array): string => {
      Atomics.add(s, 0, 1);
      Atomics.notify(s, 0);
      const deadline = Date.now() + 20_000;
      while (Atomics.load(s, 0) < 2) {
        if (Date.now() > deadline) return "alone";
        Atomics.wait(s, 0, Atomics.load(s, 0), 100);
      }
      return "met";
    };
    const results = await run(() => gather(toThread(meet, started), toThread(meet, started)));
    assert.deepEqual(results, ["met", "met"]);
  });

  it("runs a module export named with moduleFunction(), which may import what it needs", async () => {
    const sha256 = moduleFunction<(text: string) => string>(new URL("thread-functions.js", fixtures), "sha256");
    const digest = await run(() => toThread(sha256, "hello"));
    assert.equal(digest, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  });

  it("brings errors back with class, message, cause, own properties, AggregateError.errors and the worker's stack", async () => {
    const err = await run(async () => {
      try {
        await toThread(() => {
          const inner = new RangeError("root cause");
          const e = new AggregateError([inner, new Error("second")], "many failed", { cause: inner });
          (e as AggregateError & { retry: number }).retry = 3;
          throw e;
        });
      } catch (e) {
        return e;
      }
      return undefined;
    });
    assert.ok(err instanceof AggregateError);
    assert.equal(err.message, "many failed");
    assert.equal((err as AggregateError & { retry: number }).retry, 3);
    assert.ok(err.cause instanceof RangeError);
    assert.equal((err.cause as RangeError).message, "root cause");
    assert.equal(err.errors.length, 2);
    assert.ok(err.errors[0] instanceof RangeError);
    assert.equal((err.errors[1] as Error).message, "second");
    assert.match(err.stack ?? "", /many failed/);
  });

  it("gives a registered error class back, so instanceof holds", async () => {
    registerErrorClass(QuotaError);
    const fail = moduleFunction<(limit: number) => never>(new URL("thread-functions.js", fixtures), "failWithQuota");
    await assert.rejects(
      run(() => toThread(fail, 10)),
      (err: unknown) =>
        err instanceof QuotaError &&
        err.name === "QuotaError" &&
        err.message === "over 10" &&
        (err as Error & { limit: number }).limit === 10,
    );
  });

  it("refuses a function that uses variables of its scope before sending it, naming them and saying what to do", async () => {
    const factor = 3;
    const offset = 1;
    const calls = new Int32Array(new SharedArrayBuffer(4));
    await run(async () => {
      for (const [fn, names] of [
        [(x: number) => x * factor, "factor"],
        [(x: number) => (x > 100 ? factor + offset : x), "factor, offset"], // Even in a branch not taken.
      ] as const) {
        assert.throws(
          () => toThread(fn, 2),
          (err: unknown) =>
            err instanceof ReferenceError &&
            (err as ReferenceError & { code: string }).code === "ERR_ASYNCIO_CAPTURED_VARIABLE" &&
            err.message.includes(`it uses ${names} from its scope`) &&
            /moduleFunction\(import\.meta\.url/.test(err.message),
        );
      }
      // Its own name, parameters, locals and globals are fine.
      const own = function count(c: Int32Array, n: number): number {
        const step = 1;
        Atomics.add(c, 0, step);
        return n <= 0 ? 0 : count(c, n - 1) + Math.abs(step);
      };
      assert.equal(await toThread(own, calls, 3), 3);
    });
  });

  it("names a variable the worker lacks when the function runs, for what only the caller's globals had", async () => {
    (globalThis as { onlyInTheCaller?: number }).onlyInTheCaller = 1;
    try {
      await assert.rejects(
        run(() => toThread(() => onlyInTheCaller! + 1)),
        (err: unknown) =>
          err instanceof ReferenceError &&
          /^onlyInTheCaller is not defined: /.test(err.message) &&
          /pass onlyInTheCaller as an argument/.test(err.message),
      );
    } finally {
      delete (globalThis as { onlyInTheCaller?: number }).onlyInTheCaller;
    }
  });

  it("refuses native, bound and class functions, and non-functions, with a TypeError that says what to do", async () => {
    await run(async () => {
      for (const [fn, pattern] of [
        [Math.max, /cannot send a native function \(max\)/],
        [function f(this: unknown) {}.bind(null), /cannot send a bound function/],
        [class Thing {}, /cannot run a class \(Thing\)/],
        [42, /expects a function, got 42/],
      ] as const) {
        assert.throws(
          () => toThread(fn as () => void),
          (err: unknown) => err instanceof TypeError && pattern.test(err.message),
        );
      }
    });
  });

  it("loop.runInExecutor() and setDefaultExecutor() refuse what is not a ThreadPoolExecutor, with a TypeError that says what to pass", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      for (const executor of [{}, 5, "pool"]) {
        assert.throws(
          () => loop.runInExecutor(executor as unknown as ThreadPoolExecutor, () => 1),
          (err: unknown) =>
            err instanceof TypeError &&
            /^runInExecutor\(\) expects a ThreadPoolExecutor, or null for the default one, got /.test(err.message),
        );
        assert.throws(
          () => loop.setDefaultExecutor(executor as unknown as ThreadPoolExecutor),
          (err: unknown) =>
            err instanceof TypeError && /^setDefaultExecutor\(\) expects a ThreadPoolExecutor/.test(err.message),
        );
      }
      assert.equal(await loop.runInExecutor(null, () => 1), 1);
    });
  });

  it("names the argument that cannot be cloned", async () => {
    await assert.rejects(
      run(() =>
        toThread(
          (_a: number, _b: () => void) => 1,
          1,
          () => {},
        ),
      ),
      (err: unknown) =>
        err instanceof TypeError &&
        (err as TypeError & { code: string }).code === "ERR_ASYNCIO_NOT_CLONEABLE" &&
        /^argument 2 of /.test(err.message),
    );
  });

  it("fails a call whose worker calls process.exit() with WorkerError, and the pool goes on", async () => {
    await run(async () => {
      await assert.rejects(
        Promise.resolve(toThread(() => process.exit(3))),
        (err: unknown) => err instanceof WorkerError && /exited with code 3/.test(err.message),
      );
      assert.equal(await toThread((x: number) => x + 1, 1), 2);
    });
  });

  it("fails a call whose worker crashes with an uncaught error with WorkerError, and other calls are not lost", async () => {
    await run(async () => {
      const crash = toThread(() => {
        setTimeout(() => {
          throw new Error("async boom");
        });
        return new Promise(() => {});
      });
      const fine = toThread((x: number) => x * 2, 21);
      await assert.rejects(
        Promise.resolve(crash),
        (err: unknown) => err instanceof WorkerError && /crashed: async boom/.test(err.message),
      );
      assert.equal(await fine, 42);
    });
  });

  it("cancelling the awaiting task raises CancelledError in it at once; the running job finishes, its result dropped", async () => {
    const state = new Int32Array(new SharedArrayBuffer(8));
    await run(async () => {
      const job = (s: Int32Array): string => {
        Atomics.store(s, 0, 1); // started
        Atomics.notify(s, 0);
        Atomics.wait(s, 1, 0, 20_000); // until released
        return "dropped";
      };
      const task = createTask(() => toThread(job, state));
      while (Atomics.load(state, 0) === 0) await sleep(0.001);
      task.cancel();
      await assert.rejects(Promise.resolve(task), CancelledError);
      assert.equal(task.cancelled(), true);
      Atomics.store(state, 1, 1);
      Atomics.notify(state, 1);
      // The pool is healthy after: a new call runs.
      assert.equal(await toThread(() => "next"), "next");
    });
  });

  it("with cancellable(), the function sees the cancellation through its JobSignal and can stop early", async () => {
    const state = new Int32Array(new SharedArrayBuffer(8)); // [started, stopped early]
    await run(async () => {
      const count = cancellable((signal: JobSignal, s: Int32Array) => {
        Atomics.store(s, 0, 1);
        const deadline = Date.now() + 20_000; // Safety net only.
        while (!signal.aborted && Date.now() < deadline);
        if (signal.aborted) Atomics.store(s, 1, 1);
        return "stopped";
      });
      const task = createTask(() => toThread(count, state));
      while (Atomics.load(state, 0) === 0) await sleep(0.001);
      task.cancel();
      await assert.rejects(Promise.resolve(task), CancelledError);
      // The pool is healthy, and the function saw the cancel: the next call
      // on the same single worker runs once it returned.
      const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
      try {
        assert.equal(await getRunningLoop().runInExecutor(pool, () => "next"), "next");
      } finally {
        await pool.shutdown();
      }
      while (Atomics.load(state, 1) === 0) await sleep(0.001);
    });
    assert.equal(Atomics.load(state, 1), 1);
  });

  it("with cancellable({ terminateAfter }), a function that ignores the cancel is terminated and its worker replaced", async () => {
    const started = new Int32Array(new SharedArrayBuffer(4));
    await run(async () => {
      const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
      try {
        const stuck = cancellable(
          (_signal: JobSignal, s: Int32Array) => {
            Atomics.store(s, 0, 1);
            for (;;); // Never looks at the signal.
          },
          { terminateAfter: 0 },
        );
        const task = createTask(() => getRunningLoop().runInExecutor(pool, stuck, started));
        while (Atomics.load(started, 0) === 0) await sleep(0.001);
        task.cancel();
        await assert.rejects(Promise.resolve(task), CancelledError);
        // With one worker, this runs only if the stuck one was terminated.
        assert.equal(await getRunningLoop().runInExecutor(pool, (x: number) => x + 1, 1), 2);
      } finally {
        await pool.shutdown();
      }
    });
  });

  it("shows what the function prints as it prints it, in order, while the function still runs", async () => {
    const state = new Int32Array(new SharedArrayBuffer(4));
    const seen: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      // Only the job's lines: the test runner writes to stdout too.
      const text = String(chunk);
      if (/^(first|\{ second: 2 \}|third|after)\n$/.test(text)) {
        seen.push(text);
        return true;
      }
      return (write as (...args: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
    }) as typeof process.stdout.write;
    try {
      await run(async () => {
        const job = toThread((s: Int32Array) => {
          console.log("first");
          console.dir({ second: 2 });
          process.stdout.write("third\n");
          Atomics.wait(s, 0, 0, 20_000); // Until the caller saw the lines.
          console.log("after");
          return "done";
        }, state);
        while (seen.length < 3) await sleep(0.001); // The lines arrive while the job blocks.
        seen.push("(caller saw them)\n");
        Atomics.store(state, 0, 1);
        Atomics.notify(state, 0);
        assert.equal(await job, "done");
      });
    } finally {
      process.stdout.write = write;
    }
    assert.deepEqual(seen.join("").split("\n"), ["first", "{ second: 2 }", "third", "(caller saw them)", "after", ""]);
  });

  it("refuses new calls after the default executor was shut down, with RuntimeError", async () => {
    await run(async () => {
      await getRunningLoop().shutdownDefaultExecutor();
      assert.throws(
        () => toThread(() => 1),
        (err: unknown) => err instanceof RuntimeError && /shutdown/.test(err.message),
      );
    });
  });

  it("leaves nothing that keeps the process alive: a script using threads exits by itself", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["test/fixtures/to-thread-exit.js"], {
      cwd: root,
      timeout: 30_000,
    });
    assert.deepEqual(stdout.trim().split("\n"), ["42", "42"]);
  });
});

describe("toThread() and the caller's setup", () => {
  const exec = promisify(execFile);

  it("moves an argument marked with transfer() instead of copying it", async () => {
    const bytes = new Uint8Array([1, 2, 3, 4]);
    const sum = await run(() =>
      toThread((b: Uint8Array) => b.reduce((a, x) => a + x, 0), transfer(bytes, [bytes.buffer])),
    );
    assert.equal(sum, 10);
    assert.equal(bytes.byteLength, 0); // Moved: detached here.
  });

  it("runs a TypeScript module export on Node 24, which strips types itself", { skip: node24Skip }, async () => {
    const { stdout } = await exec(node24!, ["test/fixtures/ts-module-function.mjs"], { cwd: root, timeout: 30_000 });
    assert.equal(stdout.trim(), "hello worker");
  });

  it("gives worker threads the caller's execArgv, so a loader given with --import applies there too", async () => {
    const { stdout } = await exec(
      process.execPath,
      ["--import", "./test/fixtures/preload-mark.mjs", "test/fixtures/exec-argv.mjs"],
      {
        cwd: root,
        timeout: 30_000,
      },
    );
    assert.equal(stdout.trim(), "true");
  });
});

describe("ThreadPoolExecutor", () => {
  const pools: ThreadPoolExecutor[] = [];
  after(async () => {
    await Promise.all(pools.map((p) => p.shutdown()));
  });

  it("submit() resolves to the result; map() yields results in order", async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    pools.push(pool);
    assert.equal(pool.maxWorkers, 2);
    assert.equal(await pool.submit((a: number, b: number) => a + b, 1, 2), 3);
    const squares: number[] = [];
    for await (const sq of pool.map((x: number) => x * x, [1, 2, 3, 4])) squares.push(sq);
    assert.deepEqual(squares, [1, 4, 9, 16]);
  });

  it("shutdown({ cancelFutures: true }) fails the jobs not started with CancelledError and finishes the running one", async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const running = pool.submit((g: Int32Array) => {
      Atomics.wait(g, 0, 0, 20_000);
      return "ran";
    }, gate);
    const queued = pool.submit(() => "never");
    const closing = pool.shutdown({ cancelFutures: true });
    await assert.rejects(queued, CancelledError);
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    assert.equal(await running, "ran");
    await closing;
    assert.throws(
      () => pool.submit(() => 1),
      (err: unknown) => err instanceof RuntimeError && /after shutdown/.test(err.message),
    );
  });

  it("runs a burst of many small calls, more than the workers, each once and with its own result", async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    pools.push(pool);
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => pool.submit((x: number) => x * 2, i)));
    assert.deepEqual(
      results,
      Array.from({ length: 500 }, (_, i) => i * 2),
    );
  });

  it("when a worker dies, the calls queued behind its job go to a new worker, not lost", async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    pools.push(pool);
    const dies = pool.submit(() => process.exit(1));
    const next = [pool.submit(() => "b"), pool.submit(() => "c"), pool.submit(() => "d")];
    await assert.rejects(dies, (err: unknown) => err instanceof WorkerError && /exited with code 1/.test(err.message));
    assert.deepEqual(await Promise.all(next), ["b", "c", "d"]);
  });

  it("when a worker dies, the call it ran fails, and a call that finished before it on that worker keeps its result", async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 1, resourceLimits: { maxOldGenerationSizeMb: 16 } });
    pools.push(pool);
    // Four calls in one tick to one worker: the first two finish, the third
    // exhausts the memory, the fourth had not started.
    const calls = [
      pool.submit((x: number) => x, 1),
      pool.submit((x: number) => x, 2),
      pool.submit(() => {
        const hog: number[][] = [];
        for (;;) hog.push(new Array(1_000_000).fill(1));
      }),
      pool.submit((x: number) => x + 1, 3),
    ];
    const outcomes = await Promise.allSettled(calls);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ["fulfilled", "fulfilled", "rejected", "fulfilled"],
    );
    assert.deepEqual(
      [0, 1, 3].map((i) => (outcomes[i] as PromiseFulfilledResult<number>).value),
      [1, 2, 4],
    );
    const hog = outcomes[2] as PromiseRejectedResult;
    assert.ok(hog.reason instanceof WorkerError && /ran out of memory/.test(hog.reason.message));
  });

  it("starts workers on demand and releases them after idleTimeout", async () => {
    const lasting = new ThreadPoolExecutor({ maxWorkers: 2, idleTimeout: 3600 });
    pools.push(lasting);
    assert.equal(lasting.threadCount, 0);
    await Promise.all([lasting.submit(() => 1), lasting.submit(() => 2)]);
    assert.equal(lasting.threadCount, 2); // Two calls at once: two workers, kept while idle.

    const brief = new ThreadPoolExecutor({ maxWorkers: 2, idleTimeout: 0.05 });
    pools.push(brief);
    await brief.submit(() => 1);
    while (brief.threadCount > 0) await new Promise((r) => setTimeout(r, 10)); // Ends once released.
    assert.equal(brief.threadCount, 0);
    assert.equal(await brief.submit(() => "again"), "again");
  });

  it("shutdown() with a timeout terminates workers whose jobs outrun it, and says so", async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const started = new Int32Array(new SharedArrayBuffer(4));
    const stuck = pool.submit((s: Int32Array) => {
      Atomics.store(s, 0, 1);
      for (;;);
    }, started);
    while (Atomics.load(started, 0) === 0) await new Promise((r) => setTimeout(r, 1));
    const outcome = assert.rejects(
      stuck,
      (err: unknown) => err instanceof WorkerError && /terminated at shutdown/.test(err.message),
    );
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args.join(" "));
    try {
      await pool.shutdown({ timeout: 0 });
    } finally {
      console.warn = warn;
    }
    await outcome;
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /did not finish within 0 seconds of shutdown; terminating/);
    assert.equal(pool.threadCount, 0);
  });

  // Ported from test_base_events.py: BaseEventLoopTests.test_shutdown_default_executor_timeout (CPython 3.13)
  // loop.shutdown_default_executor(timeout) gives up on the threads after
  // `timeout` seconds, warns, and returns. Here the workers are terminated
  // too, so that nothing keeps the process alive.
  it("loop.shutdownDefaultExecutor({ timeout }) stops waiting for a job that outruns it, terminates its worker, and says so", async () => {
    const warnings: string[] = [];
    await run(async () => {
      const started = new Int32Array(new SharedArrayBuffer(4));
      const stuck = toThread((s: Int32Array) => {
        Atomics.store(s, 0, 1);
        for (;;);
      }, started);
      const outcome = stuck.then(
        () => "returned",
        (err: unknown) =>
          err instanceof WorkerError && /terminated at shutdown/.test(err.message) ? "terminated" : String(err),
      );
      while (Atomics.load(started, 0) === 0) await sleep(0.001);
      const warn = console.warn;
      console.warn = (...args: unknown[]) => void warnings.push(args.join(" "));
      try {
        await getRunningLoop().shutdownDefaultExecutor({ timeout: 0 });
      } finally {
        console.warn = warn;
      }
      assert.equal(await outcome, "terminated");
    });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /did not finish within 0 seconds of shutdown; terminating/);
  });

  it("fails a call that runs out of memory (resourceLimits) with WorkerError saying so", async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 1, resourceLimits: { maxOldGenerationSizeMb: 16 } });
    pools.push(pool);
    await assert.rejects(
      pool.submit(() => {
        const hog: number[][] = [];
        for (;;) hog.push(new Array(1_000_000).fill(1));
      }),
      (err: unknown) => err instanceof WorkerError && /ran out of memory/.test(err.message),
    );
    assert.equal(await pool.submit(() => "after"), "after");
  });
});
