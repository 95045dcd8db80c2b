import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  EventLoop,
  Future,
  InvalidStateError,
  RuntimeError,
  Task,
  allTasks,
  coroutine,
  createTask,
  currentTask,
  getRunningLoop,
  sleep,
  wait,
} from "asyncio-ts";
import { runVirtual } from "../support/virtual-loop.js";
import { runAndCollectReports } from "../support/reports.js";

describe("createTask()", () => {
  it("never calls the function synchronously: the body starts on a later loop turn", async () => {
    // The same program in Python:
    //   t = asyncio.create_task(body()); trace.append('after createTask')
    //   await asyncio.sleep(0); trace.append(f'after sleep(0) done={t.done()}')
    //   trace.append(await t)
    // prints ['after createTask', 'body', 'after sleep(0) done=True', 'r'].
    const trace: string[] = [];
    await runVirtual(async () => {
      const t = createTask(() => {
        trace.push("body");
        return "r";
      });
      trace.push("after createTask");
      // Promise jobs are not loop turns: the body has not started yet.
      await Promise.resolve();
      await Promise.resolve();
      trace.push("after microtasks");
      await sleep(0);
      trace.push(`after sleep(0) done=${t.done()}`);
      trace.push(await t);
    });
    assert.deepEqual(trace, ["after createTask", "after microtasks", "body", "after sleep(0) done=true", "r"]);
  });

  // Ported from test_tasks.py: BaseTaskTests.test_bare_create_task (CPython 3.13)
  it("returns a Task whose await gives the body's result", async () => {
    await runVirtual(async () => {
      const inner = async (): Promise<number> => 1;
      const task = createTask(inner);
      assert.ok(task instanceof Task);
      assert.equal(await task, 1);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_bare_create_named_task (CPython 3.13)
  it("takes a name", async () => {
    await runVirtual(async () => {
      const task = createTask(async () => {}, { name: "No-op" });
      assert.equal(task.getName(), "No-op");
      await task;
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_create_task_with_async_function (CPython 3.13)
  it("accepts an async function or a lazy Coroutine, each time anew", async () => {
    await runVirtual(async () => {
      const coro = coroutine(async () => {});
      for (let i = 0; i < 2; i++) {
        const fromCoroutine = createTask(coro());
        assert.ok(fromCoroutine instanceof Task);
        await fromCoroutine;
        const fromFunction = createTask(async () => {});
        assert.ok(fromFunction instanceof Task);
        await fromFunction;
      }
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_create_task_with_asynclike_function (CPython 3.13)
  it("accepts a plain function returning a value", async () => {
    await runVirtual(async () => {
      for (let i = 0; i < 2; i++) {
        const task = createTask(() => 42);
        assert.ok(task instanceof Task);
        assert.equal(await task, 42);
      }
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_create_task_with_noncoroutine (CPython 3.13)
  it("refuses a non-function with a TypeError naming the value, each time", async () => {
    await runVirtual(async () => {
      for (let i = 0; i < 2; i++) {
        assert.throws(
          () => createTask(123 as unknown as () => void),
          (err: unknown) => err instanceof TypeError && /got 123/.test(err.message),
        );
      }
    });
  });

  it("refuses a running promise with a TypeError saying to pass the function", async () => {
    await runVirtual(async () => {
      const work = async (): Promise<number> => 1;
      const promise = work();
      assert.throws(
        () => createTask(promise as unknown as () => Promise<number>),
        (err: unknown) => {
          assert.ok(err instanceof TypeError);
          assert.equal((err as TypeError & { code?: string }).code, "ERR_ASYNCIO_INVALID_ARG_TYPE");
          assert.match(err.message, /promise/);
          assert.match(err.message, /pass the function/);
          assert.match(err.message, /createTask\(fn\)/);
          return true;
        },
      );
      assert.equal(allTasks().size, 1); // only the main task: nothing was created
      await promise;
    });
  });

  it("refuses to run outside a running loop: RuntimeError", () => {
    let called = false;
    assert.throws(
      () =>
        createTask(async () => {
          called = true;
        }),
      (err: unknown) => {
        assert.ok(err instanceof RuntimeError);
        assert.equal(err.name, "RuntimeError");
        assert.match(err.message, /no running event loop/);
        assert.match(err.message, /run\(main\)/);
        return true;
      },
    );
    assert.equal(called, false);
  });

  // Ported from test_tasks.py: BaseTaskTests.test_error_in_call_soon (CPython 3.13)
  // CPython replaces loop.call_soon; a Task schedules its first step with the
  // loop's internal _schedule, replaced here on the loop instance. Dropped:
  // the "Task was destroyed but it is pending!" log, which comes from the
  // finalizer of a pending Task that nothing holds; here the loop holds every
  // pending Task, and a finalizer cannot be observed on time.
  it("throws what scheduling its first step threw, and leaves no task behind in allTasks()", async () => {
    let ran = false;
    await runVirtual(async () => {
      const loop = getRunningLoop() as unknown as { _schedule: (handle: unknown) => void };
      const before = [...allTasks()];
      const boom = new RangeError("scheduling failed");
      loop._schedule = () => {
        throw boom;
      };
      try {
        assert.throws(
          () =>
            createTask(async () => {
              ran = true;
            }),
          (err: unknown) => err === boom,
        );
      } finally {
        Reflect.deleteProperty(loop, "_schedule"); // Back to EventLoop's own.
      }
      const leftBehind = [...allTasks()].filter((task) => !before.includes(task));
      // A task left behind never starts, and run() would wait for it at
      // shutdown until the test times out: Future's own cancel() ends it here.
      for (const task of leftBehind) Future.prototype.cancel.call(task);
      assert.deepEqual(
        leftBehind.map((task) => task.toString()),
        [],
      );
      await sleep(0);
    });
    assert.equal(ran, false);
  });
});

describe("Task basics", () => {
  // Ported from test_tasks.py: BaseTaskTests.test_task_class (CPython 3.13)
  it("runs to its result, on the loop it was created on", async () => {
    await runVirtual(async () => {
      const notmuch = coroutine(async () => "ok");
      const t = createTask(notmuch());
      assert.equal(await t, "ok");
      assert.equal(t.done(), true);
      assert.equal(t.result(), "ok");
      assert.equal(t.getLoop(), getRunningLoop());
    });
  });

  // Ported from test_tasks.py: GenericTaskTests.test_future_subclass (CPython 3.13)
  it("a Task is a Future", async () => {
    await runVirtual(async () => {
      const t = createTask(async () => {});
      assert.ok(t instanceof Future);
      await t;
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_task_basics (CPython 3.13)
  it("awaits nested coroutines inline", async () => {
    const inner1 = coroutine(async () => 42);
    const inner2 = coroutine(async () => 1000);
    const outer = coroutine(async () => {
      const a = await inner1();
      const b = await inner2();
      return a + b;
    });
    assert.equal(await runVirtual(outer()), 1042);
  });

  // Ported from test_tasks.py: BaseTaskTests.test_get_coro (CPython 3.13)
  it("getCoro() returns the Coroutine or the function it runs", async () => {
    await runVirtual(async () => {
      const coro = coroutine(async () => {})();
      const task = createTask(coro);
      await task;
      assert.equal(task.getCoro(), coro);
      const fn = async (): Promise<void> => {};
      const task2 = createTask(fn);
      await task2;
      assert.equal(task2.getCoro(), fn);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_task_set_methods (CPython 3.13)
  it("setResult()/setException() throw RuntimeError: a Task completes when its code does", async () => {
    await runVirtual(async () => {
      const notmuch = coroutine(async () => "ko");
      const task = createTask(notmuch());
      assert.throws(
        () => task.setResult("ok"),
        (err: unknown) => err instanceof RuntimeError && /not support setResult/.test(err.message),
      );
      assert.throws(
        () => task.setException(new Error()),
        (err: unknown) => err instanceof RuntimeError && /not support setException/.test(err.message),
      );
      assert.equal(await task, "ko");
    });
  });

  // Ported from test_tasks.py: SetMethodsTest.test_set_result_causes_invalid_state (CPython 3.13)
  // CPython calls the base class's method on the task, Future.set_result(task, 'spam').
  it("Future's own setResult() called on a task completes it; its first step then reports InvalidStateError", async () => {
    let ran = false;
    let result: unknown;
    const calls = await runAndCollectReports(async () => {
      const task = createTask(async function foo() {
        ran = true;
        await sleep(0.1);
        return 10;
      });
      Future.prototype.setResult.call(task, "spam");
      result = await task;
      await sleep(0);
      assert.equal(allTasks().has(task), false); // As all_tasks(): done tasks are not listed.
    });
    assert.equal(result, "spam");
    assert.equal(ran, false);
    assert.equal(calls.length, 1);
    assert.ok(calls[0]!.exception instanceof InvalidStateError);
    assert.match(calls[0]!.exception.message, /step\(\): already done/);
  });

  // Ported from test_tasks.py: SetMethodsTest.test_set_exception_causes_invalid_state (CPython 3.13)
  it("Future's own setException() called on a task completes it; its first step then reports InvalidStateError", async () => {
    class MyExc extends Error {}
    let ran = false;
    const calls = await runAndCollectReports(async () => {
      const task = createTask(async function foo() {
        ran = true;
        await sleep(0.1);
        return 10;
      });
      Future.prototype.setException.call(task, new MyExc());
      await assert.rejects(async () => {
        await task;
      }, MyExc);
      await sleep(0);
      assert.equal(allTasks().has(task), false);
    });
    assert.equal(ran, false);
    assert.equal(calls.length, 1);
    assert.ok(calls[0]!.exception instanceof InvalidStateError);
    assert.match(calls[0]!.exception.message, /step\(\): already done/);
  });

  it("result() of a pending task throws InvalidStateError saying what to do", async () => {
    await runVirtual(async () => {
      const task = createTask(() => sleep(1));
      assert.throws(
        () => task.result(),
        (err: unknown) => {
          assert.ok(err instanceof InvalidStateError);
          assert.equal(err.code, "ERR_ASYNCIO_INVALID_STATE");
          assert.match(err.message, /is not set|is not ready/);
          assert.match(err.message, /await/);
          assert.match(err.message, /done\(\)/);
          return true;
        },
      );
      assert.throws(() => task.exception(), InvalidStateError);
      await task;
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_step_result_future (CPython 3.13)
  it("a task awaiting a Future gets its result, and is done, on the next loop turn", async () => {
    await runVirtual(async () => {
      const fut = new Future<object>();
      let result: object | undefined;
      const t = createTask(async () => {
        result = await fut;
      });
      await sleep(0);
      const res = {};
      fut.setResult(res);
      await sleep(0);
      assert.equal(result, res);
      assert.equal(t.done(), true);
      assert.equal(t.result(), undefined);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_exception_traceback (CPython 3.13)
  it("an exception the body throws is the task's exception, stack included", async () => {
    await runVirtual(async () => {
      const task = createTask(async () => {
        throw new RangeError("1 / 0");
      });
      await sleep(0);
      const exc = task.exception();
      assert.ok(exc instanceof RangeError);
      assert.match(exc.stack ?? "", /RangeError: 1 \/ 0\n\s+at /);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_task_awaits_on_itself (CPython 3.13)
  it("a task awaiting itself fails with RuntimeError", async () => {
    await runVirtual(async () => {
      // The race's second promise only ends the test if the await hangs.
      let escape!: () => void;
      const escaped = new Promise<void>((resolve) => (escape = resolve));
      const task: Task<void> = createTask(async () => {
        await Promise.race([task, escaped]);
      });
      try {
        await sleep(1);
        assert.equal(task.done(), true);
        assert.throws(
          () => task.result(),
          (err: unknown) => err instanceof RuntimeError && /Task cannot await on itself/.test(err.message),
        );
      } finally {
        escape();
      }
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_other_loop_future (CPython 3.13)
  it("a task awaiting a Future of another loop fails with RuntimeError", async () => {
    const otherLoop = new EventLoop();
    try {
      await runVirtual(async () => {
        const fut = otherLoop.createFuture<void>();
        let escape!: () => void;
        const escaped = new Promise<void>((resolve) => (escape = resolve));
        const task = createTask(async () => {
          await Promise.race([fut, escaped]);
        });
        try {
          await sleep(1);
          assert.equal(task.done(), true);
          assert.throws(
            () => task.result(),
            (err: unknown) => err instanceof RuntimeError && /Task .* got Future .* attached/.test(err.message),
          );
        } finally {
          escape();
        }
      });
    } finally {
      otherLoop.close();
    }
  });
});

describe("Task toString()", () => {
  // CPython also shows where a callback is defined ("at file:line").
  const cb = (name: string): string => `${name}\\(\\)(?: at [^,\\]]+)?`;

  // Ported from test_tasks.py: BaseTaskTests.test_task_repr (CPython 3.13)
  it("shows pending, cancelling, cancelled and finished tasks with name, coroutine, callbacks and result", async () => {
    await runVirtual(async () => {
      const notmuch = coroutine(async function notmuch() {
        return "abc";
      });
      function Dummy(): void {}

      const t = createTask(notmuch(), { name: "TestTask" });
      t.addDoneCallback(Dummy);
      assert.match(
        String(t),
        new RegExp(`^<Task pending name='TestTask' coro=notmuch\\(\\) cb=\\[${cb("Dummy")}\\]>$`),
      );

      t.cancel(); // Does not take immediate effect!
      assert.match(
        String(t),
        new RegExp(`^<Task cancelling name='TestTask' coro=notmuch\\(\\) cb=\\[${cb("Dummy")}\\]>$`),
      );

      await assert.rejects(
        async () => {
          await t;
        },
        (err: unknown) => err instanceof Error && err.name === "CancelledError",
      );
      assert.equal(String(t), "<Task cancelled name='TestTask' coro=notmuch()>");

      const t2 = createTask(notmuch(), { name: "TestTask" });
      await t2;
      assert.equal(String(t2), "<Task finished name='TestTask' coro=notmuch() result='abc'>");
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_task_source_traceback (CPython 3.13)
  it("in debug mode, says where the task was created", async () => {
    await runVirtual(
      async () => {
        const t = createTask(async () => {});
        assert.match(
          String(t),
          /^<Task pending name='Task-\d+' coro=<anonymous>\(\) created at .*task\.test\.[jt]s:\d+(:\d+)?\)?>$/,
        );
        await t;
      },
      { debug: true },
    );
  });

  // Ported from test_tasks.py: BaseTaskTests.test_task_repr_autogenerated (CPython 3.13)
  it("names tasks Task-N with increasing numbers", async () => {
    await runVirtual(async () => {
      const notmuch = async (): Promise<number> => 123;
      const t1 = createTask(notmuch);
      const t2 = createTask(notmuch);
      assert.notEqual(String(t1), String(t2));
      const match1 = /^<Task pending name='Task-(\d+)'/.exec(String(t1));
      const match2 = /^<Task pending name='Task-(\d+)'/.exec(String(t2));
      assert.ok(match1 && match2);
      assert.ok(Number(match1[1]) < Number(match2[1]));
      assert.equal(t1.getName(), `Task-${match1[1]}`);
      await t1;
      await t2;
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_task_repr_name_not_str (CPython 3.13)
  it("setName() turns a non-string name into a string", async () => {
    await runVirtual(async () => {
      const t = createTask(async () => 123);
      t.setName(6 as unknown as string);
      assert.equal(t.getName(), "6");
      await t;
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_task_set_name_pylong (CPython 3.13)
  // CPython's C Task formats its default name "Task-N" lazily from a number,
  // as asyncio-ts does; a number given as the name must not be taken for one.
  it("a number given as the name becomes that name as a string, not Task-N", async () => {
    await runVirtual(async () => {
      const notmuch = async (): Promise<number> => 123;
      const t = createTask(notmuch, { name: 987654321 as unknown as string });
      assert.equal(t.getName(), "987654321");
      t.setName(123456789 as unknown as string);
      assert.equal(t.getName(), "123456789");
      await t;
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_task_repr_wait_for (CPython 3.13)
  it("shows the Future a task waits for", async () => {
    await runVirtual(async () => {
      const fut = new Future<void>();
      const waitFor = coroutine(async function waitFor(f: Future<void>) {
        return await f;
      });
      const task = createTask(waitFor(fut));
      await sleep(0);
      const escaped = String(fut).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      assert.match(String(task), new RegExp(`^<Task .* wait_for=${escaped}>$`));
      fut.setResult();
      await task;
    });
  });
});

describe("currentTask()", () => {
  // Ported from test_tasks.py: BaseTaskTests.test_current_task (CPython 3.13)
  it("is the task running the code, and undefined once the loop is gone", async () => {
    let loop: EventLoop | undefined;
    await runVirtual(async () => {
      loop = getRunningLoop();
      const task: Task<void> = createTask(async () => {
        assert.equal(currentTask(), task);
        assert.equal(currentTask(loop), task);
        await sleep(0);
        assert.equal(currentTask(), task);
      });
      await task;
    });
    assert.equal(currentTask(loop), undefined);
  });

  it("is the task in a plain async helper it calls", async () => {
    await runVirtual(async () => {
      // Wrapped in an array: an async function returning the task itself would adopt it.
      const helper = async (): Promise<unknown[]> => {
        await sleep(0);
        return [currentTask()];
      };
      const task = createTask(() => helper());
      assert.deepEqual(await task, [task]);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_current_task_with_interleaving_tasks (CPython 3.13)
  it("follows interleaving tasks", async () => {
    await runVirtual(async () => {
      const fut1 = new Future<boolean>();
      const fut2 = new Future<boolean>();
      const seen: string[] = [];
      const task1: Task<void> = createTask(async () => {
        seen.push(`1:${currentTask() === task1}`);
        await fut1;
        seen.push(`1:${currentTask() === task1}`);
        fut2.setResult(true);
      });
      const task2: Task<void> = createTask(async () => {
        seen.push(`2:${currentTask() === task2}`);
        fut1.setResult(true);
        await fut2;
        seen.push(`2:${currentTask() === task2}`);
      });
      await wait([task1, task2]);
      assert.deepEqual(seen, ["1:true", "2:true", "1:true", "2:true"]);
    });
  });

  it("is undefined in loop callbacks and done callbacks", async () => {
    // In Python, asyncio.current_task() is None in both (call_soon, add_done_callback).
    await runVirtual(async () => {
      const seen: unknown[] = [];
      const loop = getRunningLoop();
      const f = new Future<void>();
      loop.callSoon(() => {
        seen.push(currentTask());
        f.setResult();
      });
      await f;
      const g = new Future<number>();
      g.addDoneCallback(() => seen.push(currentTask()));
      g.setResult(1);
      await sleep(0);
      assert.deepEqual(seen, [undefined, undefined]);
    });
  });

  // Ported from test_tasks.py: BaseCurrentLoopTests.test_current_task_no_running_loop (CPython 3.13)
  it("of a loop that is not running is undefined", () => {
    const loop = new EventLoop();
    try {
      assert.equal(currentTask(loop), undefined);
    } finally {
      loop.close();
    }
  });

  // Ported from test_tasks.py: BaseCurrentLoopTests.test_current_task_no_running_loop_implicit (CPython 3.13)
  it("outside a running loop throws RuntimeError", () => {
    assert.throws(
      () => currentTask(),
      (err: unknown) => err instanceof RuntimeError && /no running event loop/.test(err.message),
    );
  });
});

describe('"Task exception was never retrieved"', () => {
  it("a failing task nobody awaits is reported to the loop's exception handler, not as an unhandled rejection", async () => {
    const exc = new Error("boom");
    let task: Task<void> | undefined;
    const calls = await runAndCollectReports(async () => {
      task = createTask(async () => {
        throw exc;
      });
      await sleep(0.1);
    });
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.message, "Task exception was never retrieved");
    assert.equal(calls[0]!.exception, exc);
    assert.ok(task !== undefined && task.done());
  });

  it("a failing task whose error is read (await, result(), exception()) is not reported", async () => {
    const calls = await runAndCollectReports(async () => {
      const fail = async (): Promise<void> => {
        throw new Error("boom");
      };
      const awaited = createTask(fail);
      const viaResult = createTask(fail);
      const viaException = createTask(fail);
      await assert.rejects(async () => {
        await awaited;
      }, /boom/);
      await sleep(0);
      assert.throws(() => viaResult.result(), /boom/);
      assert.ok(viaException.exception() instanceof Error);
    });
    assert.deepEqual(calls, []);
  });

  // Ported from test_tasks.py: BaseTaskTests.test_tb_logger_not_called_after_cancel (CPython 3.13)
  it("calling cancel() on the failed task counts as handling it: not reported", async () => {
    const calls = await runAndCollectReports(async () => {
      const task = createTask(async () => {
        throw new TypeError();
      });
      await sleep(0.05);
      assert.equal(task.cancel(), false);
    });
    assert.deepEqual(calls, []);
  });

  it("a cancelled task is not reported", async () => {
    const calls = await runAndCollectReports(async () => {
      const task = createTask(() => sleep(10));
      await sleep(0);
      task.cancel();
      await sleep(0);
      assert.equal(task.cancelled(), true);
    });
    assert.deepEqual(calls, []);
  });
});
