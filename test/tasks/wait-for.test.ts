/**
 * Tests of waitFor(), ported from CPython 3.13 Lib/test/test_asyncio/test_waitfor.py
 * (every test of AsyncioWaitForTest and WaitForShieldTests), plus tests of
 * how a cancel of the waiting task meets the child's outcome or the timeout
 * in one loop turn, each checked against CPython 3.13.
 *
 * Since CPython 3.12, wait_for(aw, timeout) is `async with timeout(timeout):
 * return await aw`: a coroutine runs in the waiting task (no new Task), the
 * waiting task's cancel reaches what it awaits, and timeout <= 0 keeps its
 * special case (ensure_future, cancel, wait, TimeoutError).
 *
 * CPython's tests sleep on the real clock; here time is virtual, so the tests
 * assert exact times and traces where CPython checks that something happened.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  TimeoutError,
  allTasks,
  coroutine,
  createTask,
  currentTask,
  getRunningLoop,
  isCancelled,
  run,
  shield,
  sleep,
  wait,
  waitFor,
  type Future,
  type Task,
} from "asyncio-ts";
import { runVirtual, virtualClock } from "../support/virtual-loop.js";

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
  // Ported from test_waitfor.py: AsyncioWaitForTest.test_asyncio_wait_for_cancelled (CPython 3.13)
  it("when the waiting task is cancelled, the coroutine that swallows the cancel runs to its end and its result is returned", async () => {
    const trace: string[] = [];
    const t = new SlowTask(trace);
    await runVirtual(async () => {
      const waitForTask = createTask(waitFor(t.run(), SlowTask.TASK_TIMEOUT * 2));
      await sleep(0);
      waitForTask.cancel();
      await wait(new Set([waitForTask]));
      trace.push(`waitFor task done@${now()}`);
      // CPython's test checks only t.exited. Under 3.13 the coroutine runs in
      // the waiting task and swallows its cancel, so the task is not
      // cancelled: it returns the coroutine's result, with the request still
      // counted.
      assert.equal(waitForTask.cancelled(), false);
      assert.equal(waitForTask.result(), undefined);
      assert.equal(waitForTask.cancelling(), 1);
    });
    assert.equal(t.exited, true);
    assert.deepEqual(trace, ["slow task ignores a cancel@0", "waitFor task done@0.2"]);
  });

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_asyncio_wait_for_timeout (CPython 3.13)
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

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_wait_for_timeout_less_then_0_or_0_future_done (CPython 3.13)
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

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started (CPython 3.13)
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

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_wait_for_timeout_less_then_0_or_0 (CPython 3.13)
  // (its subTests, timeout 0 and -1, are one test each).
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

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_wait_for (CPython 3.13)
  it("cancels the task when the timeout passes and throws TimeoutError", async () => {
    await runVirtual(async () => {
      let fooRunning: boolean | undefined;
      const foo = coroutine(async () => {
        fooRunning = true;
        try {
          await sleep(300); // support.LONG_TIMEOUT
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

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_wait_for_blocking (CPython 3.13)
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

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_wait_for_race_condition (CPython 3.13)
  it("returns the result when the Future completes before the timeout", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const fut = loop.createFuture<string>();
      const task = waitFor(fut, 0.2);
      loop.callSoon((value: string) => fut.setResult(value), "ok");
      const res = await task;
      assert.equal(res, "ok");
      assert.equal(now(), 0);
    });
  });

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_wait_for_cancellation_race_condition (CPython 3.13)
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

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_wait_for_waits_for_task_cancellation (CPython 3.13)
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
      // CPython checks __context__; asyncio-ts sets cause.
      assert.ok(err.cause instanceof CancelledError);
    });
  });

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_wait_for_waits_for_task_cancellation_w_timeout_0 (CPython 3.13)
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

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_wait_for_reraises_exception_during_cancellation (CPython 3.13)
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

  // test_waitfor.py's test_wait_for_self_cancellation (CPython 3.11) was
  // removed in 3.12 when wait_for was rewritten on asyncio.timeout
  // (gh-96764). Under 3.13 the waiting task's cancel reaches the inner task,
  // which swallows it as it swallowed the timeout's, so waitFor returns 42.
  // CPython 3.13 on the same program: ['inner cancelled@0.1', 'inner
  // cancelled again@0.2', 'task returned 42@0.5 cancelling=1', 'inner 42@0.5'].
  it("returns the result of a task that swallows both the timeout's cancel and the waiting task's", async () => {
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
      const task = createTask(waitFor(innerTask, 0.1));
      await sleep(0.2);
      task.cancel();
      trace.push(`task returned ${await task}@${now()} cancelling=${task.cancelling()}`);
      trace.push(`inner ${await innerTask}@${now()}`);
    });
    assert.deepEqual(trace, [
      "inner cancelled@0.1",
      "inner cancelled again@0.2",
      "task returned 42@0.5 cancelling=1",
      "inner 42@0.5",
    ]);
  });

  // test_waitfor.py's AsyncioWaitForTest._test_cancel_wait_for.
  async function cancelWaitFor(timeout: number | null): Promise<void> {
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
  }

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_cancel_blocking_wait_for (CPython 3.13)
  it("cancelling the waiting task cancels the awaited task too (null timeout)", async () => {
    await cancelWaitFor(null);
  });

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_cancel_wait_for (CPython 3.13)
  it("cancelling the waiting task cancels the awaited task too (timeout 60)", async () => {
    await cancelWaitFor(60);
  });

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_wait_for_cancel_suppressed (CPython 3.13)
  it("returns the value of a coroutine that suppresses the timeout's cancel (GH-86296)", async () => {
    await runVirtual(async () => {
      const return42 = coroutine(async () => {
        try {
          await sleep(10);
        } catch (err) {
          if (isCancelled(err)) return 42;
          throw err;
        }
        return 0;
      });
      const res = await waitFor(return42(), 0.1);
      assert.equal(res, 42);
      assert.equal(now(), 0.1);
    });
  });

  // Ported from test_waitfor.py: AsyncioWaitForTest.test_wait_for_issue86296 (CPython 3.13)
  it("does not lose the waiting task's cancel when the awaited task is already done (GH-86296)", async () => {
    let reachedEnd = false;
    await runVirtual(async () => {
      const inner = coroutine(async () => "done");
      const innerTask = createTask(inner());
      const waitForCoro = coroutine(async () => {
        await waitFor(innerTask, 100);
        await sleep(1);
        reachedEnd = true;
      });
      const task = createTask(waitForCoro());
      assert.equal(task.done(), false);
      // Run the task.
      await sleep(0);
      task.cancel();
      await assert.rejects(async () => {
        await task;
      }, CancelledError);
      assert.equal(innerTask.done(), true);
      assert.equal(await innerTask, "done");
      assert.equal(now(), 0);
    });
    assert.equal(reachedEnd, false);
  });

  // As CPython 3.12+, where wait_for awaits a coroutine directly. CPython
  // 3.13 on the Python twin (current_task() is the caller, all_tasks() has
  // one task, for timeouts 1 and None) prints `same task True, tasks 1` twice.
  for (const timeout of [1, null]) {
    it(`runs a coroutine or an async function in the waiting task, not in a new Task (timeout ${String(timeout)})`, async () => {
      const trace: string[] = [];
      await runVirtual(async () => {
        const me = currentTask();
        const child = async (): Promise<number> => {
          trace.push(`same task ${String(currentTask() === me)}, tasks ${allTasks().size}`);
          await sleep(0.5);
          return 1;
        };
        trace.push(`coroutine returned ${await waitFor(coroutine(child)(), timeout)}@${now()}`);
        trace.push(`function returned ${await waitFor(child, timeout)}@${now()}`);
      });
      assert.deepEqual(trace, [
        "same task true, tasks 1",
        "coroutine returned 1@0.5",
        "same task true, tasks 1",
        "function returned 1@1",
      ]);
    });
  }

  for (const timeout of [1, 0, null]) {
    // CPython raises when the coroutine is awaited; asyncio-ts checks when
    // waitFor() is called, as it checks the timeout, so the stack points at
    // the call.
    it(`throws a TypeError that says what to pass for a non-awaitable, when called (timeout ${String(timeout)})`, async () => {
      await runVirtual(async () => {
        let err: unknown;
        try {
          waitFor(42 as unknown as Future<number>, timeout);
        } catch (e) {
          err = e;
        }
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

  it("the TimeoutError says waitFor() timed out and after how long (CPython's message is empty), a timeout of zero or less included", async () => {
    const messages = await runVirtual(async () => {
      const messages: string[] = [];
      const record = async (aw: PromiseLike<unknown>): Promise<void> => {
        await assert.rejects(
          async () => {
            await aw;
          },
          (err: unknown) => {
            assert.ok(err instanceof TimeoutError);
            assert.equal(err.code, "ERR_ASYNCIO_TIMEOUT");
            messages.push(err.message);
            return true;
          },
        );
      };
      await record(waitFor(() => sleep(3), 2));
      await record(
        waitFor(
          createTask(() => sleep(1)),
          0.25,
        ),
      );
      await record(
        waitFor(
          createTask(() => sleep(1)),
          0,
        ),
      );
      await record(waitFor(sleep(1), -1));
      return messages;
    });
    assert.deepEqual(messages, [
      "waitFor() timed out after 2 s",
      "waitFor() timed out after 0.25 s",
      "waitFor() timed out after 0 s",
      "waitFor() timed out after 0 s",
    ]);
  });
});

describe("waitFor() with shield()", () => {
  // Ported from test_waitfor.py: WaitForShieldTests.test_zero_timeout (CPython 3.13)
  it("with a zero timeout cancels the shield's outer Future and leaves the task running", async () => {
    await runVirtual(async () => {
      const coro = coroutine(async () => {
        await sleep(0.01);
        return "done";
      });
      const task = createTask(coro());
      let shieldedTask: Future<string> | undefined;
      await assert.rejects(async () => {
        shieldedTask = shield(task);
        await waitFor(shieldedTask, 0);
      }, TimeoutError);
      // The task is running in the background.
      assert.equal(task.done(), false);
      assert.equal(task.cancelled(), false);
      assert.equal(shieldedTask?.cancelled(), true);
      assert.equal(now(), 0);
      // Wait for the task to complete.
      await sleep(0.1);
      assert.equal(task.done(), true);
      assert.equal(task.result(), "done");
    });
  });

  // Ported from test_waitfor.py: WaitForShieldTests.test_none_timeout (CPython 3.13)
  it("with a null timeout waits for the shielded task to finish", async () => {
    await runVirtual(async () => {
      const coro = coroutine(async () => {
        await sleep(0.1);
        return "done";
      });
      const task = createTask(coro());
      assert.equal(await waitFor(shield(task), null), "done");
      assert.equal(task.done(), true);
      assert.equal(await task, "done");
      assert.equal(now(), 0.1);
    });
  });

  // Ported from test_waitfor.py: WaitForShieldTests.test_shielded_timeout (CPython 3.13)
  it("on timeout throws TimeoutError and the shielded task runs on", async () => {
    await runVirtual(async () => {
      const coro = coroutine(async () => {
        await sleep(0.1);
        return "done";
      });
      const task = createTask(coro());
      await assert.rejects(async () => {
        await waitFor(shield(task), 0.01);
      }, TimeoutError);
      assert.equal(now(), 0.01);
      assert.equal(task.done(), false);
      assert.equal(task.cancelled(), false);
      assert.equal(await task, "done");
      assert.equal(now(), 0.1);
    });
  });
});

// A cancel of the waiting task, or the timeout, in the same loop turn as
// something else, before the waiting task resumes: the cancel is never lost,
// and a timeout that fires before the waiting task has taken the child's
// outcome wins. The expected traces are what CPython 3.13 prints for this
// twin, run on a loop whose time jumps to the next timer when nothing is
// ready (as VirtualClock) and whose advance(s) moves time on as a callback
// that blocks the loop would (as VirtualClock.advance):
//
//   async def scenario(kind, event):
//       loop = asyncio.get_running_loop()
//       trace = []
//       gate = loop.create_future()  # what the child waits on; the child itself if kind == "future"
//       async def body():
//           try:
//               v = await gate
//           except BaseException as e:
//               trace.append(f"child got {type(e).__name__}")
//               raise
//           trace.append(f"child resumed with {v}")
//           return v
//       child = asyncio.create_task(body()) if kind == "task" else gate if kind == "future" else body()
//       async def waiting():
//           try:
//               r = await asyncio.wait_for(child, 1)
//           except BaseException as e:
//               trace.append(f"waitFor threw {type(e).__name__}@{now()}")
//               raise
//           trace.append(f"waitFor returned {r}@{now()}")
//           return r
//       w = asyncio.create_task(waiting())
//       def cancel_w():
//           trace.append(f"cancel waiting task (cancelling {w.cancelling()})@{now()}")
//           w.cancel()
//       def settle(ev):
//           trace.append(f"{ev}@{now()}")
//           if ev == "success": gate.set_result(1)
//           elif ev == "failure": gate.set_exception(ValueError("boom"))
//           elif kind == "task": child.cancel()
//           else: gate.cancel()
//       if event in ("success", "failure", "cancelled"):
//           def fire():
//               settle(event)
//               if kind == "task": loop.call_soon(cancel_w)  # in the turn the child task finishes
//               else: cancel_w()
//           loop.call_later(0.5, fire)
//       elif event == "cancel, timeout":
//           loop.call_later(1, cancel_w)  # due with the timeout, and before it
//       elif event.startswith("timeout after "):
//           ev = event.split()[-1]
//           if kind == "task":
//               def fire():
//                   settle(ev)
//                   loop.advance(0.5)  # blocks the loop: the timeout is due in the child's turn
//               loop.call_later(0.5, fire)
//           else:
//               loop.call_later(1, settle, ev)  # due with the timeout, and before it
//       await asyncio.sleep(0)  # the waiting task enters wait_for
//       if event == "timeout, cancel":
//           loop.call_later(1, cancel_w)  # due with the timeout, and after it
//       try:
//           await w
//       except BaseException as e:
//           trace.append(f"waiting task {'cancelled' if w.cancelled() else 'threw ' + type(e).__name__}, cancelling {w.cancelling()}")
//       else:
//           trace.append(f"waiting task returned, cancelling {w.cancelling()}")
//       if kind != "coroutine":
//           trace.append("child " + ("cancelled" if child.cancelled() else f"threw {type(child.exception()).__name__}"
//                                    if child.exception() else f"returned {child.result()}"))
//       return trace
//
// "function" (waitFor(fn, 1)) has no twin: it runs inline as "coroutine" does.

type Kind = "task" | "future" | "coroutine" | "function";
type CancelEvent = "success" | "failure" | "cancelled" | "cancel, timeout" | "timeout, cancel";
type Event = CancelEvent | "timeout after success" | "timeout after failure";

class ValueError extends Error {
  override readonly name = "ValueError";
}

const errorName = (err: unknown): string => (err instanceof Error ? err.name : String(err));

async function scenario(kind: Kind, event: Event): Promise<string[]> {
  const { clock, loopFactory } = virtualClock();
  return run(
    async () => {
      const loop = getRunningLoop();
      const trace: string[] = [];
      const gate = loop.createFuture<number>();
      const body = async (): Promise<number> => {
        let v: number;
        try {
          v = await gate;
        } catch (err) {
          trace.push(`child got ${errorName(err)}`);
          throw err;
        }
        trace.push(`child resumed with ${v}`);
        return v;
      };
      const child: Task<number> | Future<number> | PromiseLike<number> | (() => Promise<number>) =
        kind === "task" ? createTask(body) : kind === "future" ? gate : kind === "coroutine" ? coroutine(body)() : body;
      const inline = kind === "coroutine" || kind === "function";
      const w = createTask(async () => {
        let r: number;
        try {
          r = await waitFor(child, 1);
        } catch (err) {
          trace.push(`waitFor threw ${errorName(err)}@${now()}`);
          throw err;
        }
        trace.push(`waitFor returned ${r}@${now()}`);
        return r;
      });
      const cancelW = (): void => {
        trace.push(`cancel waiting task (cancelling ${w.cancelling()})@${now()}`);
        w.cancel();
      };
      const settle = (ev: string): void => {
        trace.push(`${ev}@${now()}`);
        if (ev === "success") gate.setResult(1);
        else if (ev === "failure") gate.setException(new ValueError("boom"));
        else if (kind === "task") (child as Task<number>).cancel();
        else gate.cancel();
      };
      if (event === "success" || event === "failure" || event === "cancelled") {
        loop.callLater(0.5, () => {
          settle(event);
          if (kind === "task")
            loop.callSoon(cancelW); // in the turn the child task finishes
          else cancelW();
        });
      } else if (event === "cancel, timeout") {
        loop.callLater(1, cancelW); // due with the timeout, and before it
      } else if (event.startsWith("timeout after ")) {
        const ev = event.split(" ").at(-1)!;
        if (kind === "task") {
          loop.callLater(0.5, () => {
            settle(ev);
            clock.advance(0.5); // blocks the loop: the timeout is due in the child's turn
          });
        } else {
          loop.callLater(1, settle, ev); // due with the timeout, and before it
        }
      }
      await sleep(0); // the waiting task enters waitFor
      if (event === "timeout, cancel") loop.callLater(1, cancelW); // due with the timeout, and after it
      try {
        await w;
        trace.push(`waiting task returned, cancelling ${w.cancelling()}`);
      } catch (err) {
        trace.push(
          `waiting task ${w.cancelled() ? "cancelled" : `threw ${errorName(err)}`}, cancelling ${w.cancelling()}`,
        );
      }
      if (!inline) {
        const fut = child as Future<number>;
        trace.push(
          `child ${fut.cancelled() ? "cancelled" : fut.exception() !== undefined ? `threw ${errorName(fut.exception())}` : `returned ${fut.result()}`}`,
        );
      } else if (gate.done() && !gate.cancelled()) {
        gate.exception(); // Retrieved: the cancel took the place of the gate's error.
      }
      return trace;
    },
    { loopFactory },
  );
}

// CPython 3.13's traces for the twin above; `@1.0` there is `@1` here.
const expected: Record<Event, Record<"task" | "future" | "coroutine", string[]>> = {
  success: {
    task: [
      "success@0.5",
      "child resumed with 1",
      "cancel waiting task (cancelling 0)@0.5",
      "waitFor threw CancelledError@0.5",
      "waiting task cancelled, cancelling 1",
      "child returned 1",
    ],
    future: [
      "success@0.5",
      "cancel waiting task (cancelling 0)@0.5",
      "waitFor threw CancelledError@0.5",
      "waiting task cancelled, cancelling 1",
      "child returned 1",
    ],
    coroutine: [
      "success@0.5",
      "cancel waiting task (cancelling 0)@0.5",
      "child got CancelledError",
      "waitFor threw CancelledError@0.5",
      "waiting task cancelled, cancelling 1",
    ],
  },
  failure: {
    task: [
      "failure@0.5",
      "child got ValueError",
      "cancel waiting task (cancelling 0)@0.5",
      "waitFor threw CancelledError@0.5",
      "waiting task cancelled, cancelling 1",
      "child threw ValueError",
    ],
    future: [
      "failure@0.5",
      "cancel waiting task (cancelling 0)@0.5",
      "waitFor threw CancelledError@0.5",
      "waiting task cancelled, cancelling 1",
      "child threw ValueError",
    ],
    coroutine: [
      "failure@0.5",
      "cancel waiting task (cancelling 0)@0.5",
      "child got CancelledError",
      "waitFor threw CancelledError@0.5",
      "waiting task cancelled, cancelling 1",
    ],
  },
  cancelled: {
    task: [
      "cancelled@0.5",
      "child got CancelledError",
      "cancel waiting task (cancelling 0)@0.5",
      "waitFor threw CancelledError@0.5",
      "waiting task cancelled, cancelling 1",
      "child cancelled",
    ],
    future: [
      "cancelled@0.5",
      "cancel waiting task (cancelling 0)@0.5",
      "waitFor threw CancelledError@0.5",
      "waiting task cancelled, cancelling 1",
      "child cancelled",
    ],
    coroutine: [
      "cancelled@0.5",
      "cancel waiting task (cancelling 0)@0.5",
      "child got CancelledError",
      "waitFor threw CancelledError@0.5",
      "waiting task cancelled, cancelling 1",
    ],
  },
  "cancel, timeout": {
    task: [
      "cancel waiting task (cancelling 0)@1",
      "child got CancelledError",
      "waitFor threw CancelledError@1",
      "waiting task cancelled, cancelling 1",
      "child cancelled",
    ],
    future: [
      "cancel waiting task (cancelling 0)@1",
      "waitFor threw CancelledError@1",
      "waiting task cancelled, cancelling 1",
      "child cancelled",
    ],
    coroutine: [
      "cancel waiting task (cancelling 0)@1",
      "child got CancelledError",
      "waitFor threw CancelledError@1",
      "waiting task cancelled, cancelling 1",
    ],
  },
  "timeout, cancel": {
    task: [
      "cancel waiting task (cancelling 1)@1",
      "child got CancelledError",
      "waitFor threw CancelledError@1",
      "waiting task cancelled, cancelling 1",
      "child cancelled",
    ],
    future: [
      "cancel waiting task (cancelling 1)@1",
      "waitFor threw CancelledError@1",
      "waiting task cancelled, cancelling 1",
      "child cancelled",
    ],
    coroutine: [
      "cancel waiting task (cancelling 1)@1",
      "child got CancelledError",
      "waitFor threw CancelledError@1",
      "waiting task cancelled, cancelling 1",
    ],
  },
  "timeout after success": {
    task: [
      "success@0.5",
      "child resumed with 1",
      "waitFor threw TimeoutError@1",
      "waiting task threw TimeoutError, cancelling 0",
      "child returned 1",
    ],
    future: [
      "success@1",
      "waitFor threw TimeoutError@1",
      "waiting task threw TimeoutError, cancelling 0",
      "child returned 1",
    ],
    coroutine: [
      "success@1",
      "child got CancelledError",
      "waitFor threw TimeoutError@1",
      "waiting task threw TimeoutError, cancelling 0",
    ],
  },
  "timeout after failure": {
    task: [
      "failure@0.5",
      "child got ValueError",
      "waitFor threw TimeoutError@1",
      "waiting task threw TimeoutError, cancelling 0",
      "child threw ValueError",
    ],
    future: [
      "failure@1",
      "waitFor threw TimeoutError@1",
      "waiting task threw TimeoutError, cancelling 0",
      "child threw ValueError",
    ],
    coroutine: [
      "failure@1",
      "child got CancelledError",
      "waitFor threw TimeoutError@1",
      "waiting task threw TimeoutError, cancelling 0",
    ],
  },
};

const what: Record<CancelEvent, string> = {
  success: "the child's success",
  failure: "the child's failure",
  cancelled: "the child's own cancellation",
  "cancel, timeout": "the timeout firing right after it",
  "timeout, cancel": "the timeout firing right before it",
};

const child: Record<Kind, string> = {
  task: "a Task",
  future: "a Future",
  coroutine: "an inline Coroutine",
  function: "an inline async function",
};

describe("waitFor(): a cancel of the waiting task in the same loop turn as another event is not lost", () => {
  for (const event of ["success", "failure", "cancelled", "cancel, timeout", "timeout, cancel"] as const) {
    for (const kind of ["task", "future", "coroutine", "function"] as const) {
      it(`with ${child[kind]}, cancelled in the turn of ${what[event]}: the waiting task is cancelled`, async () => {
        assert.deepEqual(await scenario(kind, event), expected[event][kind === "function" ? "coroutine" : kind]);
      });
    }
  }
});

describe("waitFor(): a timeout in the same loop turn as the child's outcome, before the waiting task resumes", () => {
  for (const event of ["timeout after success", "timeout after failure"] as const) {
    for (const kind of ["task", "future", "coroutine", "function"] as const) {
      it(`with ${child[kind]} that ${event === "timeout after success" ? "succeeded" : "failed"}: throws TimeoutError`, async () => {
        assert.deepEqual(await scenario(kind, event), expected[event][kind === "function" ? "coroutine" : kind]);
      });
    }
  }
});
