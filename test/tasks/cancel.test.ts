import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  Future,
  TimeoutError,
  createTask,
  currentTask,
  getRunningLoop,
  isCancelled,
  sleep,
  wait,
  type Task,
} from "asyncio-ts";
import { runVirtual } from "../support/virtual-loop.js";

const isCancelledWith =
  (message: string) =>
  (err: unknown): boolean =>
    err instanceof CancelledError && err.message === message;

describe("task.cancel(): what the task's code sees", () => {
  it("returns true while the task is pending (each time) and false once it is done", async () => {
    // Python: cancel() -> True, again -> True, cancelling() == 2; the sleep ends at
    // once (time 0); once done -> False.
    const trace: string[] = [];
    await runVirtual(async () => {
      const t = createTask(() => sleep(10));
      await sleep(0);
      trace.push(`cancel -> ${t.cancel()}`);
      trace.push(`cancel again -> ${t.cancel()}`);
      trace.push(`cancelling=${t.cancelling()}`);
      await assert.rejects(async () => {
        await t;
      }, CancelledError);
      trace.push(`done=${t.done()} cancelled=${t.cancelled()} @${getRunningLoop().time()}`);
      trace.push(`cancel when done -> ${t.cancel()}`);
      const finished = createTask(async () => "ok");
      await finished;
      trace.push(`cancel finished -> ${finished.cancel()}`);
    });
    assert.deepEqual(trace, [
      "cancel -> true",
      "cancel again -> true",
      "cancelling=2",
      "done=true cancelled=true @0",
      "cancel when done -> false",
      "cancel finished -> false",
    ]);
  });

  it("throws CancelledError at the library await inside a nested plain async helper; the task may catch it, clean up and return a value", async () => {
    // The same program in Python (helper/body/main with the same awaits)
    // prints the trace below, the task's result 'cleaned', cancelled() False.
    const trace: string[] = [];
    const at = (s: string): void => {
      trace.push(`${s} @${getRunningLoop().time()}`);
    };
    const helper = async (): Promise<void> => {
      at("helper: sleeping");
      try {
        await sleep(10);
        at("helper: woke");
      } finally {
        at("helper: finally");
      }
    };
    const body = async (): Promise<string> => {
      try {
        await helper();
        return "slept";
      } catch (err) {
        if (!isCancelled(err)) throw err;
        at(`body: caught ${(err as Error).name}('${(err as Error).message}')`);
        await sleep(1); // Cleanup may await.
        at("body: cleaned up");
        return "cleaned";
      }
    };
    await runVirtual(async () => {
      const t = createTask(body);
      await sleep(0.5);
      at(`cancel -> ${t.cancel("stop")}`);
      const result = await t;
      at(`result=${result} cancelled=${t.cancelled()}`);
    });
    assert.deepEqual(trace, [
      "helper: sleeping @0",
      "cancel -> true @0.5",
      "helper: finally @0.5",
      "body: caught CancelledError('stop') @0.5",
      "body: cleaned up @1.5",
      "result=cleaned cancelled=false @1.5",
    ]);
  });

  it("cancelled before its first turn, the body never runs and the message is kept", async () => {
    await runVirtual(async () => {
      let started = false;
      const t = createTask(async () => {
        started = true;
      });
      assert.equal(t.cancel("early"), true);
      await assert.rejects(async () => {
        await t;
      }, isCancelledWith("early"));
      assert.equal(started, false);
      assert.equal(t.cancelled(), true);
    });
  });

  it("a cancel requested while the task awaits a foreign promise arrives at its next library await", async () => {
    const trace: string[] = [];
    await runVirtual(async () => {
      // A plain promise, settled by this test: nothing of asyncio-ts in it.
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const t = createTask(async () => {
        trace.push("start");
        await gate;
        trace.push("foreign promise settled");
        try {
          await sleep(0);
          trace.push("sleep(0) returned");
        } catch (err) {
          trace.push(`caught at sleep(0): ${(err as Error).name}('${(err as Error).message}')`);
          throw err;
        }
      });
      await sleep(0);
      trace.push(`cancel -> ${t.cancel("m")}`);
      release();
      await assert.rejects(async () => {
        await t;
      }, isCancelledWith("m"));
      trace.push(`cancelled=${t.cancelled()}`);
    });
    assert.deepEqual(trace, [
      "start",
      "cancel -> true",
      "foreign promise settled",
      "caught at sleep(0): CancelledError('m')",
      "cancelled=true",
    ]);
  });

  it("a cancel requested from a setImmediate callback the task awaits arrives at its next library await", async () => {
    const trace: string[] = [];
    await runVirtual(async () => {
      let t: Task<void> | undefined = undefined;
      t = createTask(async () => {
        trace.push("start");
        await new Promise<void>((resolve) =>
          setImmediate(() => {
            trace.push(`cancel -> ${t!.cancel("m")}`);
            resolve();
          }),
        );
        trace.push("foreign promise settled");
        try {
          await sleep(1);
          trace.push("sleep(1) returned");
        } catch (err) {
          trace.push(`caught at sleep(1): ${(err as Error).name}('${(err as Error).message}')`);
          throw err;
        }
      });
      await assert.rejects(async () => {
        await t;
      }, isCancelledWith("m"));
      trace.push(`cancelled=${t.cancelled()} @${getRunningLoop().time()}`);
    });
    assert.deepEqual(trace, [
      "start",
      "cancel -> true",
      "foreign promise settled",
      "caught at sleep(1): CancelledError('m')",
      "cancelled=true @0",
    ]);
  });

  it("a cancel requested during a foreign await, with no library await after it, still cancels the task", async () => {
    await runVirtual(async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const t = createTask(async () => {
        await gate;
        return 12;
      });
      await sleep(0);
      assert.equal(t.cancel(), true);
      release();
      await assert.rejects(async () => {
        await t;
      }, CancelledError);
      assert.equal(t.cancelled(), true);
    });
  });

  it("task.signal is aborted at cancel(), with a CancelledError carrying the message as reason", async () => {
    const trace: string[] = [];
    await runVirtual(async () => {
      const t = createTask(() => sleep(10));
      const signal = t.signal;
      signal.addEventListener("abort", () => trace.push("abort event"));
      trace.push(`aborted=${signal.aborted}`);
      await sleep(0);
      t.cancel("bye");
      trace.push(`after cancel aborted=${signal.aborted}`);
      assert.ok(signal.reason instanceof CancelledError);
      assert.equal((signal.reason as CancelledError).message, "bye");
      assert.equal(isCancelled(signal.reason), true);
      await assert.rejects(async () => {
        await t;
      }, CancelledError);
    });
    assert.deepEqual(trace, ["aborted=false", "abort event", "after cancel aborted=true"]);
  });

  it("task.signal lets a foreign await stop at once", async () => {
    await runVirtual(async () => {
      const t = createTask(async () => {
        const signal = currentTask()!.signal;
        // Never settles by itself: only the abort can end it.
        await new Promise<void>((_resolve, reject) => {
          signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true });
        });
      });
      await sleep(0);
      t.cancel("stop fetching");
      await assert.rejects(async () => {
        await t;
      }, isCancelledWith("stop fetching"));
      assert.equal(t.cancelled(), true);
      assert.equal(getRunningLoop().time(), 0);
    });
  });

  it("task.signal read after cancel() is already aborted; a task that completes normally never aborts it", async () => {
    await runVirtual(async () => {
      const cancelled = createTask(() => sleep(1));
      cancelled.cancel("m");
      assert.equal(cancelled.signal.aborted, true);
      assert.ok(isCancelledWith("m")(cancelled.signal.reason));
      await assert.rejects(async () => {
        await cancelled;
      }, CancelledError);

      const normal = createTask(() => sleep(1));
      const signal = normal.signal;
      await normal;
      assert.equal(signal.aborted, false);
    });
  });

  it("task.signal read after a cancel() that reached the task's waiter carries the message too", async () => {
    await runVirtual(async () => {
      const t = createTask(() => sleep(1));
      await sleep(0); // t now waits on its sleep: cancel() cancels that waiter.
      t.cancel("late");
      assert.equal(t.signal.aborted, true);
      assert.ok(isCancelledWith("late")(t.signal.reason));
      await assert.rejects(async () => {
        await t;
      }, isCancelledWith("late"));
    });
  });

  it("isCancelled() is true for CancelledError and AbortError, false for anything else", async () => {
    assert.equal(isCancelled(new CancelledError()), true);
    assert.equal(isCancelled(new DOMException("aborted", "AbortError")), true);
    assert.equal(isCancelled(AbortSignal.abort().reason), true);
    assert.equal(isCancelled(new Error("boom")), false);
    assert.equal(isCancelled(new TimeoutError()), false);
    assert.equal(isCancelled(undefined), false);
    assert.equal(isCancelled("CancelledError"), false);
    await runVirtual(async () => {
      const t = createTask(() => sleep(1));
      await sleep(0);
      t.cancel();
      try {
        await t;
        assert.fail("await of a cancelled task returned");
      } catch (err) {
        assert.equal(isCancelled(err), true);
      }
    });
  });
});

describe("task.cancel(): ported from CPython", () => {
  // Ported from test_tasks.py: BaseTaskTests.test_cancel (CPython 3.13)
  it("cancelling a sleeping task from a loop callback", async () => {
    await runVirtual(async () => {
      const t = createTask(async () => {
        await sleep(10);
        return 12;
      });
      getRunningLoop().callSoon(() => t.cancel());
      await assert.rejects(async () => {
        await t;
      }, CancelledError);
      assert.equal(t.done(), true);
      assert.equal(t.cancelled(), true);
      assert.equal(t.cancel(), false);
      assert.equal(getRunningLoop().time(), 0);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_task_cancel_message_getter (CPython 3.13)
  it("the message of cancel() before the task starts reaches the awaiter", async () => {
    await runVirtual(async () => {
      const t = createTask(async () => {});
      t.cancel("my message");
      await assert.rejects(async () => {
        await t;
      }, isCancelledWith("my message"));
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_cancel_with_message_then_future_result,
  // BaseTaskTests.test_cancel_with_message_then_future_exception (CPython 3.13)
  for (const [what, read] of [
    ["result()", (t: Task<unknown>) => t.result()],
    ["exception()", (t: Task<unknown>) => t.exception()],
  ] as const) {
    it(`${what} of a task cancelled with or without a message throws CancelledError carrying it`, async () => {
      for (const [args, expected] of [
        [[], ""],
        [[undefined], ""],
        [["my message"], "my message"],
      ] as const) {
        await assert.rejects(
          runVirtual(async () => {
            const task = createTask(() => sleep(10));
            await sleep(0);
            task.cancel(...(args as unknown as [string?]));
            await wait([task]);
            read(task);
          }),
          (err: unknown) => {
            assert.ok(err instanceof CancelledError, `cancel(${args.join()})`);
            assert.equal(err.message, expected);
            return true;
          },
        );
      }
    });
  }

  // Ported from test_tasks.py: BaseTaskTests.test_cancellation_exception_context (CPython 3.13)
  it("a CancelledError re-thrown as another error is kept as its cause, message included", async () => {
    await assert.rejects(
      runVirtual(async () => {
        const loop = getRunningLoop();
        const fut = loop.createFuture<void>();
        const innerTask = createTask(async () => {
          fut.setResult();
          await sleep(10);
        });
        await fut;
        loop.callSoon(() => innerTask.cancel("msg"));
        try {
          await innerTask;
        } catch (ex) {
          throw new Error("cancelled", { cause: ex });
        }
      }),
      (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.equal(err.message, "cancelled");
        assert.ok(err.cause instanceof CancelledError);
        assert.equal(err.cause.message, "msg");
        return true;
      },
    );
  });

  // Ported from test_tasks.py: BaseTaskTests.test_cancel_with_message_before_starting_task (CPython 3.13)
  it("exception() of a task cancelled before it started throws CancelledError with the message", async () => {
    await assert.rejects(
      runVirtual(async () => {
        const task = createTask(() => sleep(10));
        // We deliberately leave out the sleep here.
        task.cancel("my message");
        await wait([task]);
        task.exception();
      }),
      isCancelledWith("my message"),
    );
  });

  // Ported from test_tasks.py: BaseTaskTests.test_cancel_yield (CPython 3.13)
  it("cancelling a task between two sleep(0)s", async () => {
    await runVirtual(async () => {
      const t = createTask(async () => {
        await sleep(0);
        await sleep(0);
        return 12;
      });
      await sleep(0); // start the task
      t.cancel();
      await assert.rejects(async () => {
        await t;
      }, CancelledError);
      assert.equal(t.done(), true);
      assert.equal(t.cancelled(), true);
      assert.equal(t.cancel(), false);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_cancel_inner_future (CPython 3.13)
  it("cancelling the Future a task awaits cancels the task", async () => {
    await runVirtual(async () => {
      const f = new Future<void>();
      const t = createTask(async () => {
        await f;
        return 12;
      });
      await sleep(0); // start the task
      f.cancel();
      await assert.rejects(async () => {
        await t;
      }, CancelledError);
      assert.equal(f.cancelled(), true);
      assert.equal(t.cancelled(), true);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_cancel_both_task_and_inner_future (CPython 3.13)
  it("cancelling both the task and the Future it awaits", async () => {
    await runVirtual(async () => {
      const f = new Future<void>();
      const t = createTask(async () => {
        await f;
        return 12;
      });
      await sleep(0);
      f.cancel();
      t.cancel();
      await assert.rejects(async () => {
        await t;
      }, CancelledError);
      assert.equal(t.done(), true);
      assert.equal(f.cancelled(), true);
      assert.equal(t.cancelled(), true);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_cancel_task_catching (CPython 3.13)
  it("a task that catches the CancelledError and returns is not cancelled", async () => {
    await runVirtual(async () => {
      const fut1 = new Future<void>();
      const fut2 = new Future<void>();
      const t = createTask(async () => {
        await fut1;
        try {
          await fut2;
        } catch (err) {
          if (isCancelled(err)) return 42;
          throw err;
        }
        return 0;
      });
      await sleep(0);
      fut1.setResult();
      await sleep(0);
      t.cancel();
      assert.equal(fut2.cancelled(), true);
      assert.equal(await t, 42);
      assert.equal(t.cancelled(), false);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_cancel_task_ignoring (CPython 3.13)
  it("a task that ignores the CancelledError goes on to its next await", async () => {
    await runVirtual(async () => {
      const fut1 = new Future<void>();
      const fut2 = new Future<void>();
      const fut3 = new Future<number>();
      const t = createTask(async () => {
        await fut1;
        try {
          await fut2;
        } catch (err) {
          if (!isCancelled(err)) throw err;
        }
        return await fut3;
      });
      await sleep(0);
      fut1.setResult();
      await sleep(0);
      t.cancel();
      assert.equal(fut2.cancelled(), true);
      await sleep(0);
      fut3.setResult(42);
      assert.equal(await t, 42);
      assert.equal(fut3.cancelled(), false);
      assert.equal(t.cancelled(), false);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_cancel_current_task (CPython 3.13)
  it("a task cancelling itself is cancelled at its next await, at once", async () => {
    await runVirtual(async () => {
      const t: Task<number> = createTask(async () => {
        assert.equal(t.cancel(), true);
        // The sleep should be cancelled immediately.
        await sleep(100);
        return 12;
      });
      assert.equal(t.cancelled(), false);
      await assert.rejects(async () => {
        await t;
      }, CancelledError);
      assert.equal(t.done(), true);
      assert.equal(t.cancelled(), true);
      assert.equal(t.cancel(), false);
      assert.equal(getRunningLoop().time(), 0);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_cancel_at_end (CPython 3.13)
  it("a task cancelling itself right before it returns is cancelled", async () => {
    await runVirtual(async () => {
      const t: Task<number> = createTask(async () => {
        t.cancel();
        return 12;
      });
      assert.equal(t.cancelled(), false);
      await assert.rejects(async () => {
        await t;
      }, CancelledError);
      assert.equal(t.done(), true);
      assert.equal(t.cancelled(), true);
      assert.equal(t.cancel(), false);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_cancel_awaited_task (CPython 3.13)
  it("a task cancelled while not blocked cancels the task it awaits next, and what that one awaits", async () => {
    await runVirtual(async () => {
      const fut = new Future<void>();
      let nestedTask: Task<void> | undefined;
      const task: Task<void> = createTask(async () => {
        // Create a sub-task and wait for it to run.
        nestedTask = createTask(async () => {
          await fut;
        });
        await sleep(0);
        // Request the current task to be cancelled.
        task.cancel();
        // Block on the nested task, which should be immediately cancelled.
        await nestedTask;
      });
      await assert.rejects(async () => {
        await task;
      }, CancelledError);
      assert.equal(task.cancelled(), true);
      assert.equal(nestedTask!.cancelled(), true);
      assert.equal(fut.cancelled(), true);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_task_cancel_waiter_future (CPython 3.13)
  it("cancelling a task cancels the Future it waits on", async () => {
    await runVirtual(async () => {
      const fut = new Future<void>();
      const task = createTask(async () => {
        await fut;
      });
      await sleep(0);
      task.cancel();
      await sleep(0);
      await assert.rejects(async () => {
        await task;
      }, CancelledError);
      assert.equal(fut.cancelled(), true);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_baseexception_during_cancel (CPython 3.13)
  // Dropped: CPython throws SystemExit, a BaseException, which the task both
  // keeps as its exception and re-raises out of the loop
  // (`assertRaises(SystemExit, test_utils.run_briefly, loop)`). JavaScript has
  // no BaseException: an error the task throws is its exception only, and the
  // loop goes on, as checked at the end.
  it("an error thrown while handling the CancelledError becomes the task's exception", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const baseExc = new Error("SystemExit");
      const sleeper = async (): Promise<void> => {
        await sleep(10);
      };
      const notmutch = async (): Promise<void> => {
        try {
          await sleeper();
        } catch (err) {
          if (err instanceof CancelledError) throw baseExc;
          throw err;
        }
      };
      const task = createTask(notmutch);
      await sleep(0); // test_utils.run_briefly

      task.cancel();
      assert.equal(task.done(), false);

      await sleep(0);
      await sleep(0);

      assert.equal(task.done(), true);
      assert.equal(task.cancelled(), false);
      assert.equal(task.exception(), baseExc);
      // The sleep(10) was cancelled at once: no time passed.
      assert.equal(loop.time(), 0);
      await sleep(0);
      assert.equal(loop.isRunning(), true);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_yield_future_passes_cancel (CPython 3.13)
  it("cancelling an outer task reaches the Future an inner coroutine awaits", async () => {
    await runVirtual(async () => {
      let proof = 0;
      const waiter = new Future<void>();
      const inner = async (): Promise<void> => {
        try {
          await waiter;
        } catch (err) {
          if (isCancelled(err)) proof += 1;
          throw err;
        }
        assert.fail("got past sleep() in inner()");
      };
      const outer = async (): Promise<void> => {
        try {
          await inner();
          proof += 10;
        } catch (err) {
          if (!isCancelled(err)) throw err;
          proof += 100; // Expect this path.
        }
      };
      const f = createTask(outer);
      await sleep(0);
      f.cancel();
      await f;
      assert.equal(proof, 101);
      assert.equal(waiter.cancelled(), true);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_yield_wait_does_not_shield_cancel (CPython 3.13)
  it("cancelling a task blocked in wait() stops the wait, not the tasks it waits for", async () => {
    await runVirtual(async () => {
      let proof = 0;
      const waiter = new Future<void>();
      const inner = async (): Promise<void> => {
        await waiter;
        proof += 1;
      };
      const outer = async (): Promise<void> => {
        await wait([createTask(inner)]);
        proof += 100;
      };
      const f = createTask(outer);
      await sleep(0);
      f.cancel();
      await assert.rejects(async () => {
        await f;
      }, CancelledError);
      waiter.setResult();
      await sleep(0);
      assert.equal(proof, 1);
    });
  });
});

describe("cancelling() and uncancel()", () => {
  // Ported from test_tasks.py: BaseTaskTests.test_cancelling (CPython 3.13)
  it("cancelling() counts requests, and toString() says cancelling", async () => {
    const trace: string[] = [];
    await runVirtual(async () => {
      const t = createTask(async () => {
        await sleep(10);
      });
      const state = (): void => {
        trace.push(`cancelling=${t.cancelling()} repr-cancelling=${/ cancelling /.test(String(t))}`);
      };
      state();
      trace.push(`cancel -> ${t.cancel()}`);
      state();
      trace.push(`cancel -> ${t.cancel()}`);
      state();
      await assert.rejects(async () => {
        await t;
      }, CancelledError);
    });
    assert.deepEqual(trace, [
      "cancelling=0 repr-cancelling=false",
      "cancel -> true",
      "cancelling=1 repr-cancelling=true",
      "cancel -> true",
      "cancelling=2 repr-cancelling=true",
    ]);
  });

  // Ported from test_tasks.py: BaseTaskTests.test_uncancel_basic (CPython 3.13)
  it("uncancel() takes a request back; the task then runs until cancelled again", async () => {
    const trace: string[] = [];
    await runVirtual(async () => {
      const t = createTask(async () => {
        try {
          await sleep(10);
        } catch (err) {
          if (!isCancelled(err)) throw err;
          currentTask()!.uncancel();
          await sleep(10);
        }
      });
      const state = (when: string): void => {
        trace.push(
          `${when}: repr-cancelling=${/ cancelling /.test(String(t))} cancelling=${t.cancelling()} ` +
            `cancelled=${t.cancelled()} done=${t.done()}`,
        );
      };
      await sleep(0.01);

      // Cancel first sleep
      trace.push(`cancel -> ${t.cancel()}`);
      state("after first cancel"); // Task is still not complete
      await sleep(0.01);
      state("after uncancel"); // Task is still not complete

      // Cancel second sleep
      trace.push(`cancel -> ${t.cancel()}`);
      state("after second cancel"); // Task is still not complete
      await assert.rejects(async () => {
        await t;
      }, CancelledError);
      state("awaited"); // Finally, task complete

      // uncancel is no longer effective after the task is complete
      t.uncancel();
      state("uncancel when done");
    });
    assert.deepEqual(trace, [
      "cancel -> true",
      "after first cancel: repr-cancelling=true cancelling=1 cancelled=false done=false",
      "after uncancel: repr-cancelling=false cancelling=0 cancelled=false done=false",
      "cancel -> true",
      "after second cancel: repr-cancelling=true cancelling=1 cancelled=false done=false",
      "awaited: repr-cancelling=false cancelling=1 cancelled=true done=true",
      "uncancel when done: repr-cancelling=false cancelling=0 cancelled=true done=true",
    ]);
  });

  // Ported from test_tasks.py: BaseTaskTests.test_uncancel_resets_must_cancel (CPython 3.13)
  // CPython checks the private `_must_cancel` flag; here the task's outcome
  // shows it. The Future the task awaits is done, so cancel() cannot cancel
  // it and keeps the request pending until the task wakes up; a second task
  // without uncancel() shows that the request was indeed pending.
  it("uncancel() drops a cancel that was waiting for the task to wake up: the task returns its value", async () => {
    await runVirtual(async () => {
      const fut = new Future<void>();
      const body = async (): Promise<number> => {
        await fut;
        return 42;
      };
      const task = createTask(body);
      const control = createTask(body);
      await sleep(0); // Get the tasks waiting for fut
      fut.setResult(); // Make them runnable
      assert.equal(task.cancel(), true); // Enter cancelled state
      assert.equal(task.cancelling(), 1);
      assert.equal(control.cancel(), true);
      assert.equal(task.uncancel(), 0); // Undo cancellation
      assert.equal(task.cancelling(), 0);
      assert.equal(await task, 42);
      assert.equal(task.cancelled(), false);
      await assert.rejects(async () => {
        await control;
      }, CancelledError);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_uncancel_structured_blocks (CPython 3.13)
  it("cancel() plus uncancel() turn a cancellation into a timeout for one block", async () => {
    const makeRequestWithTimeout = async (sleepFor: number, timeoutAfter: number): Promise<boolean[]> => {
      const task = currentTask()!;
      const loop = task.getLoop();
      let timedOut = false;
      let structuredBlockFinished = false;
      const timeoutHandle = loop.callLater(timeoutAfter, () => {
        timedOut = true;
        task.cancel();
      });
      try {
        try {
          // Structured block affected by the timeout
          await sleep(sleepFor);
          structuredBlockFinished = true;
          timeoutHandle.cancel();
        } catch (err) {
          timeoutHandle.cancel();
          // Python checks `task.uncancel() == 0 and type(sys.exception()) is CancelledError`.
          if (timedOut && task.uncancel() === 0 && err instanceof CancelledError) throw new TimeoutError();
          throw err;
        }
      } catch (err) {
        if (!(err instanceof TimeoutError)) throw err;
        assert.equal(timedOut, true);
      }
      // Outer code not affected by the timeout:
      const outerCodeReached = true;
      await sleep(0);
      return [timedOut, structuredBlockFinished, outerCodeReached];
    };

    await runVirtual(async () => {
      // Test which timed out.
      const t1 = createTask(() => makeRequestWithTimeout(10.0, 0.1));
      assert.deepEqual(await t1, [true, false, true]);
      assert.equal(t1.cancelling(), 0); // no pending cancellation of the outer task
      assert.equal(getRunningLoop().time(), 0.1);

      // Test which did not time out.
      const t2 = createTask(() => makeRequestWithTimeout(0, 10.0));
      assert.deepEqual(await t2, [false, true, true]);
      assert.equal(t2.cancelling(), 0);
    });
  });
});
