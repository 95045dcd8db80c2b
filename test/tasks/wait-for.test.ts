import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  TimeoutError,
  coroutine,
  createTask,
  getRunningLoop,
  isCancelled,
  sleep,
  wait,
  waitFor,
  type Future,
} from "asyncio-ts";
import { runVirtual } from "../support/virtual-loop.js";

// A very small timeout, as test_waitfor.py's _EPSILON.
const EPSILON = 0.0001;

/** The loop's virtual time, rounded to hide floating-point noise. */
const now = (): number => Math.round(getRunningLoop().time() * 1e6) / 1e6;

/** A task body that runs for TASK_TIMEOUT seconds, ignoring cancel requests (test_waitfor.py's SlowTask). */
class SlowTask {
  static readonly TASK_TIMEOUT = 0.2;
  exited = false;
  constructor(readonly trace: string[]) {}

  readonly run = coroutine(async () => {
    const loop = getRunningLoop();
    const exitAt = loop.time() + SlowTask.TASK_TIMEOUT;
    for (;;) {
      const toSleep = exitAt - loop.time();
      if (toSleep <= 0) break;
      try {
        await sleep(toSleep);
      } catch (err) {
        if (!isCancelled(err)) throw err;
        this.trace.push(`slow task ignores a cancel@${now()}`);
      }
    }
    this.exited = true;
  });
}

describe("waitFor()", () => {
  // Ported from test_waitfor.py: AsyncioWaitForTest.test_asyncio_wait_for_cancelled
  it("when the waiting task is cancelled, waits until the awaitable has really finished", async () => {
    const trace: string[] = [];
    const t = new SlowTask(trace);
    await runVirtual(async () => {
      const waitForTask = createTask(waitFor(t.run(), SlowTask.TASK_TIMEOUT * 2));
      await sleep(0);
      waitForTask.cancel();
      await wait(new Set([waitForTask]));
      trace.push(`waitFor task done@${now()}`);
      assert.equal(waitForTask.cancelled(), true);
    });
    assert.equal(t.exited, true);
    assert.deepEqual(trace, ["slow task ignores a cancel@0", "waitFor task done@0.2"]);
  });

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_asyncio_wait_for_timeout
  it("on timeout waits for an awaitable that ignores the cancel, and returns its result", async () => {
    const trace: string[] = [];
    const t = new SlowTask(trace);
    await runVirtual(async () => {
      // CPython's test accepts a TimeoutError here, but the awaitable
      // swallowed the cancel and returned normally, so wait_for returns its
      // result (None) once it has finished.
      const result = await waitFor(t.run(), SlowTask.TASK_TIMEOUT / 2);
      trace.push(`waitFor returned ${String(result)}@${now()}`);
    });
    assert.equal(t.exited, true);
    assert.deepEqual(trace, ["slow task ignores a cancel@0.1", "waitFor returned undefined@0.2"]);
  });

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_wait_for_timeout_less_then_0_or_0_future_done
  it("with a zero timeout returns the result of a Future that is already done", async () => {
    await runVirtual(async () => {
      const fut = getRunningLoop().createFuture<string>();
      fut.setResult("done");
      const ret = await waitFor(fut, 0);
      assert.equal(ret, "done");
      assert.equal(fut.done(), true);
      assert.equal(now(), 0);
    });
  });

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started
  it("with a zero timeout throws TimeoutError without ever starting a coroutine", async () => {
    let fooStarted = false;
    await runVirtual(async () => {
      const foo = coroutine(async () => {
        fooStarted = true;
      });
      await assert.rejects(async () => {
        await waitFor(foo(), 0);
      }, TimeoutError);
      assert.equal(now(), 0);
    });
    assert.equal(fooStarted, false);
  });

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_wait_for_timeout_less_then_0_or_0
  for (const timeout of [0, -1]) {
    it(`with a timeout of ${timeout} cancels a running task and throws TimeoutError`, async () => {
      await runVirtual(async () => {
        const loop = getRunningLoop();
        let fooRunning: boolean | undefined;
        const started = loop.createFuture<void>();
        const foo = coroutine(async () => {
          fooRunning = true;
          started.setResult();
          try {
            await sleep(10);
          } finally {
            fooRunning = false;
          }
          return "done";
        });
        const fut = createTask(foo());
        await started;
        await assert.rejects(async () => {
          await waitFor(fut, timeout);
        }, TimeoutError);
        assert.equal(fut.done(), true);
        // It should have been cancelled due to the timeout.
        assert.equal(fut.cancelled(), true);
        assert.equal(fooRunning, false);
        assert.equal(now(), 0);
      });
    });
  }

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_wait_for
  it("cancels the task when the timeout passes and throws TimeoutError", async () => {
    await runVirtual(async () => {
      let fooRunning: boolean | undefined;
      const foo = coroutine(async () => {
        fooRunning = true;
        try {
          await sleep(300);
        } finally {
          fooRunning = false;
        }
        return "done";
      });
      const fut = createTask(foo());
      await assert.rejects(async () => {
        await waitFor(fut, 0.1);
      }, TimeoutError);
      assert.equal(now(), 0.1);
      assert.equal(fut.done(), true);
      // It should have been cancelled due to the timeout.
      assert.equal(fut.cancelled(), true);
      assert.equal(fooRunning, false);
    });
  });

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_wait_for_blocking
  it("with a null timeout returns the coroutine's result", async () => {
    await runVirtual(async () => {
      const coro = coroutine(async () => "done");
      const res = await waitFor(coro(), null);
      assert.equal(res, "done");
    });
  });

  it("with a null timeout waits as long as it takes, without a TimeoutError", async () => {
    const trace: string[] = [];
    await runVirtual(async () => {
      const task = createTask(async () => {
        await sleep(3600);
        return "late";
      });
      trace.push(`result ${await waitFor(task, null)}@${now()}`);
      const fut = getRunningLoop().createFuture<string>();
      getRunningLoop().callLater(10000, () => fut.setResult("later"));
      trace.push(`result ${await waitFor(fut, null)}@${now()}`);
    });
    assert.deepEqual(trace, ["result late@3600", "result later@13600"]);
  });

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_wait_for_race_condition
  it("returns the result when the Future completes before the timeout", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const fut = loop.createFuture<string>();
      const task = waitFor(fut, 0.2);
      loop.callLater(0.1, (value: string) => fut.setResult(value), "ok");
      const res = await task;
      assert.equal(res, "ok");
      assert.equal(now(), 0.1);
    });
  });

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_wait_for_cancellation_race_condition
  it("returns the result of a coroutine that catches the timeout's cancel and returns", async () => {
    await runVirtual(async () => {
      const inner = coroutine(async () => {
        await assert.rejects(async () => {
          await sleep(1);
        }, CancelledError);
        return 1;
      });
      const result = await waitFor(inner(), 0.01);
      assert.equal(result, 1);
      assert.equal(now(), 0.01);
    });
  });

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_wait_for_waits_for_task_cancellation
  it("on timeout waits for the task's cleanup, then throws TimeoutError caused by the CancelledError", async () => {
    let taskDone = false;
    await runVirtual(async () => {
      const inner = coroutine(async () => {
        try {
          await sleep(10);
        } catch (err) {
          if (isCancelled(err)) await sleep(EPSILON);
          throw err;
        } finally {
          taskDone = true;
        }
      });
      const innerTask = createTask(inner());
      const err = await waitFor(innerTask, EPSILON).then(
        () => assert.fail("waitFor() should have thrown"),
        (e: unknown) => e,
      );
      assert.ok(err instanceof TimeoutError);
      assert.equal(now(), 2 * EPSILON);
      assert.equal(taskDone, true);
      assert.ok(err.cause instanceof CancelledError);
    });
  });

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_wait_for_waits_for_task_cancellation_w_timeout_0
  it("with a zero timeout waits for the task's cleanup, then throws TimeoutError caused by the CancelledError", async () => {
    let taskDone = false;
    await runVirtual(async () => {
      const foo = coroutine(async () => {
        const inner = coroutine(async () => {
          try {
            await sleep(10);
          } catch (err) {
            if (isCancelled(err)) await sleep(EPSILON);
            throw err;
          } finally {
            taskDone = true;
          }
        });
        const innerTask = createTask(inner());
        await sleep(EPSILON);
        await waitFor(innerTask, 0);
      });
      const err = await foo().then(
        () => assert.fail("foo() should have thrown"),
        (e: unknown) => e,
      );
      assert.ok(err instanceof TimeoutError);
      assert.equal(now(), 2 * EPSILON);
      assert.equal(taskDone, true);
      assert.ok(err.cause instanceof CancelledError);
    });
  });

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_wait_for_reraises_exception_during_cancellation
  it("on timeout throws the error the task raised while being cancelled", async () => {
    class FooError extends Error {}
    await runVirtual(async () => {
      const foo = coroutine(async () => {
        const inner = coroutine(async () => {
          try {
            await sleep(0.2);
          } finally {
            throw new FooError();
          }
        });
        const innerTask = createTask(inner());
        await waitFor(innerTask, EPSILON);
      });
      await assert.rejects(async () => {
        await foo();
      }, FooError);
      assert.equal(now(), EPSILON);
    });
  });

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_wait_for_self_cancellation
  it("can itself be cancelled while it waits for a task that holds up the timeout's cancel", async () => {
    const trace: string[] = [];
    await runVirtual(async () => {
      const inner = coroutine(async () => {
        try {
          await sleep(0.3);
        } catch (err) {
          if (!isCancelled(err)) throw err;
          trace.push(`inner cancelled@${now()}`);
          try {
            await sleep(0.3);
          } catch (err2) {
            if (!isCancelled(err2)) throw err2;
            trace.push(`inner cancelled again@${now()}`);
            await sleep(0.3);
          }
        }
        return 42;
      });
      const innerTask = createTask(inner());
      const waiting = waitFor(innerTask, 0.1);
      // waitFor itself is cancellable even when the task holds up the
      // timeout's cancellation.
      const task = createTask(waiting);
      await sleep(0.2);
      task.cancel();
      await assert.rejects(async () => {
        await task;
      }, CancelledError);
      trace.push(`waitFor task cancelled@${now()}`);
      trace.push(`inner returned ${await innerTask}@${now()}`);
    });
    assert.deepEqual(trace, ["inner cancelled@0.1", "waitFor task cancelled@0.2", "inner returned 42@0.4"]);
  });

  // Ported from test_waitfor.py: AsyncioWaitForTest._test_cancel_wait_for via
  // test_cancel_blocking_wait_for (null) and test_cancel_wait_for (60)
  for (const timeout of [null, 60]) {
    it(`cancelling the waiting task cancels the awaited task too (timeout ${String(timeout)})`, async () => {
      await runVirtual(async () => {
        const loop = getRunningLoop();
        const blockingCoroutine = coroutine(async () => {
          const fut = loop.createFuture<void>();
          // Block: fut's result is never set.
          await fut;
        });
        const task = createTask(blockingCoroutine());
        const waiting = createTask(waitFor(task, timeout));
        loop.callSoon(() => {
          waiting.cancel();
        });
        await assert.rejects(async () => {
          await waiting;
        }, CancelledError);
        // Python issue #23219: cancelling the wait must also cancel the task.
        assert.equal(task.cancelled(), true);
        assert.equal(now(), 0);
      });
    });
  }

  for (const timeout of [1, 0, null]) {
    it(`throws a TypeError that says what to pass for a non-awaitable (timeout ${String(timeout)})`, async () => {
      await runVirtual(async () => {
        const err = await waitFor(42 as unknown as Future<number>, timeout).then(
          () => assert.fail("waitFor(42) should have thrown"),
          (e: unknown) => e,
        );
        assert.ok(err instanceof TypeError, `expected a TypeError, got ${String(err)}`);
        assert.equal((err as TypeError & { code?: string }).code, "ERR_ASYNCIO_INVALID_ARG_TYPE");
        assert.match(err.message, /waitFor\(\)/);
        assert.match(err.message, /got 42/);
        // Says what waitFor() takes, and not how to call some other function.
        assert.match(err.message, /Task|Future|coroutine|async function|promise/);
        assert.doesNotMatch(err.message, /gather/);
        assert.equal(now(), 0);
      });
    });
  }

  it("throws RangeError for a NaN timeout, and TypeError for a timeout that is not a number", async () => {
    await runVirtual(async () => {
      const fut = getRunningLoop().createFuture<string>();
      await assert.rejects(
        async () => {
          await waitFor(fut, NaN);
        },
        (err: unknown) => {
          assert.ok(err instanceof RangeError, `expected a RangeError, got ${String(err)}`);
          assert.equal((err as RangeError & { code?: string }).code, "ERR_ASYNCIO_OUT_OF_RANGE");
          assert.match(err.message, /waitFor\(\) timeout/);
          assert.match(err.message, /NaN/);
          return true;
        },
      );
      await assert.rejects(async () => {
        await waitFor(fut, "1" as unknown as number);
      }, TypeError);
      assert.equal(fut.done(), false);
      assert.equal(now(), 0);
    });
  });
});
