import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ALL_COMPLETED,
  CancelledError,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  coroutine,
  createTask,
  getRunningLoop,
  sleep,
  wait,
  type Future,
  type Task,
  type WaitOptions,
} from "asyncio-ts";
import { runVirtual } from "../support/virtual-loop.js";

/** The loop's virtual time, rounded to hide floating-point noise. */
const now = (): number => Math.round(getRunningLoop().time() * 1e6) / 1e6;

/** The names of the members of `set`, by identity, sorted ("?" for a stranger). */
function names(set: Set<unknown>, named: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const member of set) {
    const entry = Object.entries(named).find(([, value]) => value === member);
    out.push(entry === undefined ? "?" : entry[0]);
  }
  return out.sort();
}

/** A task that sleeps `delay` seconds (as CPython's `new_task(loop, asyncio.sleep(delay))`). */
const sleeper = (delay: number): Task<void> =>
  createTask(async () => {
    await sleep(delay);
  });

class ZeroDivisionError extends Error {}

describe("wait()", () => {
  // Ported from test_tasks.py: BaseTaskTests.test_wait (CPython 3.13)
  it("waits until all are done and returns them all as done", async () => {
    const trace: string[] = [];
    await runVirtual(async () => {
      const a = sleeper(0.1);
      const b = sleeper(0.15);
      const foo = coroutine(async () => {
        const [done, pending] = await wait([b, a]);
        trace.push(`done=${names(done, { a, b }).join(",")} pending=${names(pending, { a, b }).join(",")}@${now()}`);
        return 42;
      });
      assert.equal(await createTask(foo()), 42);
      assert.equal(now(), 0.15);
      // Doing it again should take no time and exercise a different path.
      assert.equal(await createTask(foo()), 42);
      assert.equal(now(), 0.15);
    });
    assert.deepEqual(trace, ["done=a,b pending=@0.15", "done=a,b pending=@0.15"]);
  });

  // Ported from test_tasks.py: BaseTaskTests.test_wait_duplicate_coroutines (CPython 3.13)
  it("counts a task given twice once", async () => {
    await runVirtual(async () => {
      const coro = coroutine(async (s: string) => s);
      const c = createTask(coro("test"));
      const [done, pending] = await createTask(wait([c, c, createTask(coro("spam"))]));
      assert.equal(pending.size, 0);
      assert.equal(done.size, 2);
      assert.deepEqual(new Set([...done].map((f) => f.result())), new Set(["test", "spam"]));
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_wait_errors (CPython 3.13)
  it("throws RangeError for an empty set and for an unknown returnWhen", async () => {
    await runVirtual(async () => {
      await assert.rejects(async () => {
        await wait(new Set<Future<void>>());
      }, RangeError);
      // -1 is an invalid returnWhen value.
      const sleepTask = sleeper(10.0);
      await assert.rejects(async () => {
        await wait([sleepTask], { returnWhen: -1 } as unknown as WaitOptions);
      }, RangeError);
      assert.equal(sleepTask.done(), false);
      sleepTask.cancel();
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_wait_first_completed (CPython 3.13)
  it("with FIRST_COMPLETED returns when the first one is done", async () => {
    await runVirtual(async () => {
      const a = sleeper(10.0);
      const b = sleeper(0.1);
      const task = createTask(wait([b, a], { returnWhen: FIRST_COMPLETED }));
      const [done, pending] = await task;
      assert.deepEqual(names(done, { a, b }), ["b"]);
      assert.deepEqual(names(pending, { a, b }), ["a"]);
      assert.equal(a.done(), false);
      assert.equal(b.done(), true);
      assert.equal(b.result(), undefined);
      assert.equal(now(), 0.1);

      const [doneAll, pendingAll] = await wait([a, b]);
      assert.deepEqual(names(doneAll, { a, b }), ["a", "b"]);
      assert.equal(pendingAll.size, 0);
      assert.equal(now(), 10);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_wait_really_done (CPython 3.13)
  it("with FIRST_COMPLETED also reports as done those that finished before it woke up", async () => {
    await runVirtual(async () => {
      // Some tasks in the pending set may have become done before their
      // callbacks were all called.
      const coro1 = coroutine(async () => {
        await sleep(0);
      });
      const coro2 = coroutine(async () => {
        await sleep(0);
        await sleep(0);
      });
      const a = createTask(coro1());
      const b = createTask(coro2());
      const task = createTask(wait([b, a], { returnWhen: FIRST_COMPLETED }));
      const [done, pending] = await task;
      assert.deepEqual(names(done, { a, b }), ["a", "b"]);
      assert.equal(pending.size, 0);
      assert.equal(a.done(), true);
      assert.equal(a.result(), undefined);
      assert.equal(b.done(), true);
      assert.equal(b.result(), undefined);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_wait_first_exception (CPython 3.13)
  it("with FIRST_EXCEPTION returns at once when a task has already failed", async () => {
    await runVirtual(async () => {
      // FIRST_EXCEPTION, a task already has an exception.
      const a = sleeper(10.0);
      const exc = coroutine(async () => {
        throw new ZeroDivisionError("err");
      });
      const b = createTask(exc());
      const task = createTask(wait([b, a], { returnWhen: FIRST_EXCEPTION }));
      const [done, pending] = await task;
      assert.deepEqual(names(done, { a, b }), ["b"]);
      assert.deepEqual(names(pending, { a, b }), ["a"]);
      assert.equal(now(), 0);

      const [doneAll] = await wait([a, b]);
      assert.deepEqual(names(doneAll, { a, b }), ["a", "b"]);
      assert.equal(now(), 10);
      assert.ok(b.exception() instanceof ZeroDivisionError);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_wait_first_exception_in_wait (CPython 3.13)
  it("with FIRST_EXCEPTION returns when a task fails while it waits", async () => {
    await runVirtual(async () => {
      // FIRST_EXCEPTION, an exception during the wait.
      const a = sleeper(10.0);
      const exc = coroutine(async () => {
        await sleep(0.01);
        throw new ZeroDivisionError("err");
      });
      const b = createTask(exc());
      const [done, pending] = await wait([b, a], { returnWhen: FIRST_EXCEPTION });
      assert.deepEqual(names(done, { a, b }), ["b"]);
      assert.deepEqual(names(pending, { a, b }), ["a"]);
      assert.equal(now(), 0.01);

      const [doneAll] = await wait([a, b]);
      assert.deepEqual(names(doneAll, { a, b }), ["a", "b"]);
      assert.equal(now(), 10);
      assert.ok(b.exception() instanceof ZeroDivisionError);
    });
  });

  it("with FIRST_EXCEPTION waits for all when none fails, and a cancelled one does not count as failed", async () => {
    await runVirtual(async () => {
      const a = sleeper(0.1);
      const b = sleeper(0.2);
      const c = sleeper(10);
      getRunningLoop().callLater(0.05, () => c.cancel());
      const [done, pending] = await wait([a, b, c], { returnWhen: FIRST_EXCEPTION });
      assert.deepEqual(names(done, { a, b, c }), ["a", "b", "c"]);
      assert.equal(pending.size, 0);
      assert.equal(c.cancelled(), true);
      assert.equal(now(), 0.2);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_wait_with_exception (CPython 3.13)
  it("returns a failed task among the done ones, without throwing", async () => {
    await runVirtual(async () => {
      const a = sleeper(0.1);
      const sleeperThenFail = coroutine(async () => {
        await sleep(0.15);
        throw new ZeroDivisionError("really");
      });
      const b = createTask(sleeperThenFail());
      const foo = coroutine(async () => {
        const [done, pending] = await wait([b, a]);
        assert.equal(done.size, 2);
        assert.equal(pending.size, 0);
        const errors = new Set([...done].filter((f) => f.exception() !== undefined));
        assert.deepEqual(names(errors, { a, b }), ["b"]);
      });
      await createTask(foo());
      assert.equal(now(), 0.15);
      await createTask(foo());
      assert.equal(now(), 0.15);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_wait_with_timeout (CPython 3.13)
  it("with a timeout returns what is done by then, and the rest as pending", async () => {
    await runVirtual(async () => {
      const a = sleeper(0.1);
      const b = sleeper(0.15);
      const foo = coroutine(async () => {
        const [done, pending] = await wait([b, a], { timeout: 0.11 });
        assert.deepEqual(names(done, { a, b }), ["a"]);
        assert.deepEqual(names(pending, { a, b }), ["b"]);
      });
      await createTask(foo());
      assert.equal(now(), 0.11);
      assert.equal(b.done(), false);

      await wait([a, b]);
      assert.equal(now(), 0.15);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_wait_concurrent_complete (CPython 3.13)
  it("counts a task that finishes at the timeout's deadline as done", async () => {
    await runVirtual(async () => {
      const a = sleeper(0.1);
      const b = sleeper(0.15);
      const [done, pending] = await createTask(wait([b, a], { timeout: 0.1 }));
      assert.deepEqual(names(done, { a, b }), ["a"]);
      assert.deepEqual(names(pending, { a, b }), ["b"]);
      assert.equal(now(), 0.1);

      await wait([a, b]);
      assert.equal(now(), 0.15);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_wait_with_iterator_of_tasks (CPython 3.13)
  it("accepts any iterable of tasks", async () => {
    await runVirtual(async () => {
      const a = sleeper(0.1);
      const b = sleeper(0.15);
      const foo = coroutine(async () => {
        const [done, pending] = await wait([b, a][Symbol.iterator]());
        assert.deepEqual(names(done, { a, b }), ["a", "b"]);
        assert.equal(pending.size, 0);
        return 42;
      });
      assert.equal(await createTask(foo()), 42);
      assert.equal(now(), 0.15);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_wait_generator (CPython 3.13)
  it("accepts a generator of tasks", async () => {
    await runVirtual(async () => {
      const func = coroutine(async (a: number) => a);
      const tasks = (function* () {
        for (let i = 0; i < 10; i++) yield createTask(func(i));
      })();
      const [done, pending] = await wait(tasks, { returnWhen: ALL_COMPLETED });
      assert.equal(done.size, 10);
      assert.equal(pending.size, 0);
    });
  });

  it("with ALL_COMPLETED (the default) and no timeout waits for every one", async () => {
    await runVirtual(async () => {
      const a = sleeper(0.5);
      const b = sleeper(2);
      const [done, pending] = await wait([a, b], { returnWhen: ALL_COMPLETED, timeout: null });
      assert.deepEqual(names(done, { a, b }), ["a", "b"]);
      assert.equal(pending.size, 0);
      assert.equal(now(), 2);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_wait_invalid_args (CPython 3.13)
  it("throws TypeError for a single Future or coroutine instead of a collection, and RangeError for an empty one", async () => {
    await runVirtual(async () => {
      const fut = getRunningLoop().createFuture<void>();
      // wait() expects a list of futures, not a future instance.
      await assert.rejects(async () => {
        await wait(fut as unknown as Future<void>[]);
      }, TypeError);
      const coro = coroutine(async () => {})();
      await assert.rejects(async () => {
        await wait(coro as unknown as Future<void>[]);
      }, TypeError);
      // wait() expects at least one future.
      await assert.rejects(async () => {
        await wait([]);
      }, RangeError);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_yield_wait_does_not_shield_cancel (CPython 3.13)
  it("cancelling the task that waits makes wait() throw CancelledError and leaves the awaited tasks running", async () => {
    await runVirtual(async () => {
      let proof = 0;
      const waiter = getRunningLoop().createFuture<void>();
      let innerTask: Task<void> | undefined;
      const inner = coroutine(async () => {
        await waiter;
        proof += 1;
      });
      const outer = coroutine(async () => {
        innerTask = createTask(inner());
        await wait([innerTask]);
        proof += 100;
      });
      const f = createTask(outer());
      await sleep(0);
      f.cancel();
      await assert.rejects(async () => {
        await f;
      }, CancelledError);
      assert.equal(innerTask!.done(), false);
      waiter.setResult();
      await innerTask;
      assert.equal(proof, 1);
    });
  });
});
