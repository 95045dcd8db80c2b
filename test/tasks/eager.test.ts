/**
 * Eager tasks: `createTask(fn, { eagerStart: true })`, `new Task(fn, {
 * eagerStart })` and a loop's task factory (`eagerTaskFactory`,
 * `createEagerTaskFactory`, `loop.setTaskFactory`, `run(main, { taskFactory })`).
 *
 * Ported tests are from test_eager_task_factory.py (CPython 3.13; the 3.12
 * file has the same tests but test_issue122332). CPython runs each twice, on
 * the Python and the C Task; asyncio-ts has one Task.
 *
 * Mapping: a coroutine that returns without awaiting is a plain function
 * here, where the ported test checks the task is done when create_task
 * returns. An async function that does not await is done one promise job
 * later (docs/differences.md, "Eager tasks"); the tests at the end show it.
 * A ContextVar is an AsyncLocalStorage, and `cv.set(v)` is `enterWith(v)`
 * (as in test/tasks/context.test.ts).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import {
  CancelledError,
  EventLoop,
  Future,
  Task,
  type TaskBody,
  type TaskOptions,
  allTasks,
  createEagerTaskFactory,
  createTask,
  currentTask,
  eagerTaskFactory,
  gather,
  getRunningLoop,
  run,
  sleep,
} from "asyncio-ts";
import { runVirtual } from "../support/virtual-loop.js";
import { runAndCollectReports } from "../support/reports.js";

// As the ported tests' setUp: the loop's task factory is an eager one,
// made from Task with createEagerTaskFactory.
const factory = createEagerTaskFactory(Task);
const runEager = <T>(main: () => Promise<T>): Promise<Awaited<T>> => runVirtual(main, { taskFactory: factory });

describe("eager tasks: ported from CPython (test_eager_task_factory.py)", () => {
  // Ported from test_eager_task_factory.py: EagerTaskFactoryLoopTests.test_eager_task_factory_set (CPython 3.13)
  it("the loop's task factory is the one set, and createTask makes a Task with it", async () => {
    await runEager(async () => {
      assert.ok(factory !== undefined);
      assert.equal(getRunningLoop().getTaskFactory(), factory);
      const t = createTask(async () => {});
      assert.ok(t instanceof Task);
      await t;
    });
  });

  // Ported from test_eager_task_factory.py: EagerTaskFactoryLoopTests.test_await_future_during_eager_step (CPython 3.13)
  // The body is a plain function (see the mapping above).
  it("a task that completes a Future in its eager step is done when createTask returns", async () => {
    const result = await runEager(async () => {
      const fut = getRunningLoop().createFuture<string>();
      const setResult = (f: Future<string>, val: string): void => f.setResult(val);
      const t = createTask(() => setResult(fut, "my message"));
      // The eager step completed the task.
      assert.ok(t.done());
      return await fut;
    });
    assert.equal(result, "my message");
  });

  // Ported from test_eager_task_factory.py: EagerTaskFactoryLoopTests.test_eager_completion (CPython 3.13)
  // The body is a plain function (see the mapping above).
  it("a task whose body returns at once is done when createTask returns", async () => {
    const result = await runEager(async () => {
      const t = createTask(() => "hello");
      assert.ok(t.done());
      return await t;
    });
    assert.equal(result, "hello");
  });

  // Ported from test_eager_task_factory.py: EagerTaskFactoryLoopTests.test_block_after_eager_step (CPython 3.13)
  it("a task that blocks in its eager step goes on as a normal task", async () => {
    const result = await runEager(async () => {
      const t = createTask(async () => {
        await sleep(0.1);
        return "finished after blocking";
      });
      assert.ok(!t.done());
      const r = await t;
      assert.ok(t.done());
      return r;
    });
    assert.equal(result, "finished after blocking");
  });

  // Ported from test_eager_task_factory.py: EagerTaskFactoryLoopTests.test_cancellation_after_eager_completion (CPython 3.13)
  // The body is a plain function (see the mapping above).
  it("cancel() after an eager completion does nothing: a finished task cannot be cancelled", async () => {
    const result = await runEager(async () => {
      const t = createTask(() => "finished without blocking");
      t.cancel();
      const r = await t;
      assert.ok(!t.cancelled());
      return r;
    });
    assert.equal(result, "finished without blocking");
  });

  // Ported from test_eager_task_factory.py: EagerTaskFactoryLoopTests.test_cancellation_after_eager_step_blocks (CPython 3.13)
  it("cancel() after an eager step that blocked cancels the task at its await, with the message", async () => {
    await assert.rejects(
      runEager(async () => {
        const t = createTask(async () => {
          await sleep(0.1);
          return "finished after blocking";
        });
        t.cancel("cancellation message");
        assert.ok(t.cancelling() > 0);
        await t;
      }),
      (err: unknown) => err instanceof CancelledError && err.message === "cancellation message",
    );
  });

  // Ported from test_eager_task_factory.py: EagerTaskFactoryLoopTests.test_current_task (CPython 3.13)
  it("currentTask() in the eager step is the new task, and the same after it blocks", async () => {
    let captured: Task<unknown> | undefined;
    await runEager(async () => {
      const t = createTask(async () => {
        captured = currentTask();
        // The task before and after blocking is the same.
        await sleep(0.1);
        assert.equal(currentTask(), captured);
      });
      assert.equal(captured, t);
      await t;
    });
  });

  // Ported from test_eager_task_factory.py: EagerTaskFactoryLoopTests.test_all_tasks_with_eager_completion (CPython 3.13)
  // The body is a plain function (see the mapping above).
  it("allTasks() holds a task during its eager step, and not once it completed there", async () => {
    let captured: Set<Task<unknown>> | undefined;
    await runEager(async () => {
      const t = createTask(() => {
        captured = allTasks();
      });
      assert.ok(captured!.has(t));
      assert.ok(!allTasks().has(t));
    });
  });

  // Ported from test_eager_task_factory.py: EagerTaskFactoryLoopTests.test_all_tasks_with_blocking (CPython 3.13)
  it("allTasks() holds a task during its eager step and while it blocks, until it is done", async () => {
    let captured: Set<Task<unknown>> | undefined;
    await runEager(async () => {
      const fut1 = getRunningLoop().createFuture<void>();
      const fut2 = getRunningLoop().createFuture<void>();
      const t = createTask(async () => {
        captured = allTasks();
        await fut1;
        fut2.setResult();
      });
      assert.ok(captured!.has(t));
      assert.ok(allTasks().has(t));
      fut1.setResult();
      await fut2;
      assert.ok(!allTasks().has(t));
    });
  });

  // Ported from test_eager_task_factory.py: EagerTaskFactoryLoopTests.test_context_vars (CPython 3.13)
  it("the eager step runs in the creator's context, and what the task sets stays in the task", async () => {
    const cv = new AsyncLocalStorage<number>();
    const get = (): number => cv.getStore() ?? 0;
    let firstStepRan = false;
    let secondStepRan = false;
    await runEager(async () => {
      cv.enterWith(1);
      const t = createTask(async () => {
        assert.equal(get(), 1);
        cv.enterWith(2);
        assert.equal(get(), 2);
        firstStepRan = true;
        await sleep(0.1);
        assert.equal(get(), 2);
        cv.enterWith(3);
        assert.equal(get(), 3);
        secondStepRan = true;
      });
      assert.ok(firstStepRan);
      assert.ok(!secondStepRan);
      assert.equal(get(), 1);
      await t;
      assert.ok(secondStepRan);
      assert.equal(get(), 1);
    });
  });
});

// CPython's AsyncTaskCounter: a task factory whose Task counts the tasks
// made without eagerStart.
function taskCounter(eager: boolean): { count: () => number; runOptions: { taskFactory: typeof eagerTaskFactory } } {
  let taskCount = 0;
  class CountingTask<T> extends Task<T> {
    constructor(body: TaskBody<T>, options: TaskOptions & { loop?: EventLoop }) {
      if (!options.eagerStart) taskCount++;
      super(body, options);
    }
  }
  const taskFactory = eager
    ? createEagerTaskFactory(CountingTask)
    : (loop: EventLoop, body: TaskBody<unknown>, options: TaskOptions): Task<unknown> =>
        new CountingTask(body, { ...options, loop });
  return { count: () => taskCount, runOptions: { taskFactory } };
}

async function awaitableChain(depth: number): Promise<number> {
  if (depth === 0) return 0;
  return 1 + (await awaitableChain(depth - 1));
}

async function recursiveGather(width: number, depth: number): Promise<void> {
  if (depth === 0) return;
  await gather(...Array.from({ length: width }, () => () => recursiveGather(width, depth - 1)));
}

for (const eager of [false, true]) {
  const suite = eager ? "EagerTests" : "NonEagerTests";
  describe(`eager tasks: task counts with ${eager ? "an eager" : "a lazy"} task factory, ported from CPython (test_eager_task_factory.py, ${suite})`, () => {
    // Ported from test_eager_task_factory.py: BaseTaskCountingTests.test_awaitables_chain (EagerTests, NonEagerTests) (CPython 3.13)
    it(`a chain of awaited async functions makes no task but the main one, which ${eager ? "is eager (the loop did not run yet, so it starts lazily)" : "is counted"}`, async () => {
      const counter = taskCounter(eager);
      const depth = await runVirtual(() => awaitableChain(100), counter.runOptions);
      assert.equal(depth, 100);
      assert.equal(counter.count(), eager ? 0 : 1);
    });

    // Ported from test_eager_task_factory.py: BaseTaskCountingTests.test_recursive_gather (EagerTests, NonEagerTests) (CPython 3.13)
    it(`gather() makes its tasks with the loop's task factory: ${eager ? "none is lazy" : "781 lazy tasks"}`, async () => {
      const counter = taskCounter(eager);
      await runVirtual(() => recursiveGather(5, 4), counter.runOptions);
      assert.equal(counter.count(), eager ? 0 : 781); // 1 + 5 + 5^2 + 5^3 + 5^4
    });
  });
}

describe("eager tasks: the API", () => {
  it("createTask(fn, { eagerStart: true }) runs the first step inside createTask, with its name, without a task factory", async () => {
    const trace: string[] = [];
    await runVirtual(async () => {
      assert.equal(getRunningLoop().getTaskFactory(), undefined);
      const t = createTask(
        async () => {
          trace.push(`step in ${currentTask()?.getName()}`);
          await sleep(0);
          trace.push(`second step in ${currentTask()?.getName()}`);
        },
        { eagerStart: true, name: "eager" },
      );
      trace.push(`createTask returned; current ${currentTask()?.getName()}`);
      const lazy = createTask(() => trace.push("lazy step"));
      trace.push("lazy created");
      await t;
      await lazy;
    });
    assert.deepEqual(trace, [
      "step in eager",
      "createTask returned; current Task-1",
      "lazy created",
      "second step in eager",
      "lazy step",
    ]);
  });

  it("new Task(fn, { eagerStart: true }) starts eagerly on a running loop, and on the loop's first turn otherwise", async () => {
    const loop = new EventLoop();
    const trace: string[] = [];
    const before = new Task(() => trace.push("made before the loop ran"), { loop, eagerStart: true });
    trace.push(`not running: done=${before.done()}`);
    await loop.runUntilComplete(
      new Task(
        async () => {
          const t = new Task(() => trace.push("made while it runs"), { loop, eagerStart: true });
          trace.push(`running: done=${t.done()}`);
        },
        { loop },
      ),
    );
    loop.close();
    assert.deepEqual(trace, [
      "not running: done=false",
      "made before the loop ran",
      "made while it runs",
      "running: done=true",
    ]);
  });

  it("with eagerTaskFactory, createTask(fn, { eagerStart: false }) makes a lazy task, as CPython 3.14", async () => {
    const trace: string[] = [];
    await runVirtual(
      async () => {
        const t = createTask(() => trace.push("step"), { eagerStart: false });
        trace.push("created");
        await t;
      },
      { taskFactory: eagerTaskFactory },
    );
    assert.deepEqual(trace, ["created", "step"]);
  });

  it("setTaskFactory(null) restores the default, and refuses what is not a function", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      loop.setTaskFactory(eagerTaskFactory);
      assert.equal(loop.getTaskFactory(), eagerTaskFactory);
      assert.ok(createTask(() => 1).done());
      loop.setTaskFactory(null);
      assert.equal(loop.getTaskFactory(), undefined);
      const lazy = createTask(() => 1);
      assert.ok(!lazy.done());
      await lazy;
      assert.throws(() => loop.setTaskFactory(42 as never), TypeError);
    });
  });

  it("a custom task factory makes every task: createTask's name reaches it, and so do gather's tasks", async () => {
    const made: string[] = [];
    await runVirtual(
      async () => {
        const t = createTask(async () => 1, { name: "named" });
        assert.equal(t.getName(), "named");
        await gather(
          async () => 2,
          async () => 3,
        );
        await t;
      },
      {
        taskFactory: (loop, body, options) => {
          made.push(options.name ?? "unnamed");
          return new Task(body, { ...options, loop });
        },
      },
    );
    // The main task, the named one, gather's two.
    assert.deepEqual(made, ["unnamed", "named", "unnamed", "unnamed"]);
  });
});

describe("eager tasks: the eager step", () => {
  it("done callbacks of a task completed in its eager step are scheduled, not called", async () => {
    const trace: string[] = [];
    await runVirtual(async () => {
      const t = createTask(() => "r", { eagerStart: true });
      t.addDoneCallback(() => trace.push("done callback"));
      trace.push("after addDoneCallback");
      await sleep(0);
      trace.push("after sleep(0)");
    });
    assert.deepEqual(trace, ["after addDoneCallback", "done callback", "after sleep(0)"]);
  });

  it("a task that cancels itself in its eager step and returns ends cancelled before createTask returns", async () => {
    await runVirtual(async () => {
      const t = createTask(
        () => {
          currentTask()!.cancel("stop");
          return "returned";
        },
        { eagerStart: true },
      );
      assert.ok(t.cancelled());
      await assert.rejects(t, (err: unknown) => err instanceof CancelledError && err.message === "stop");
    });
  });

  it("an exception thrown in the eager step completes the task before createTask returns, and is reported if never retrieved", async () => {
    const reports = await runAndCollectReports(async () => {
      const t = createTask(
        () => {
          throw new Error("boom");
        },
        { eagerStart: true },
      );
      assert.ok(t.done());
      assert.equal((t.exception() as Error).message, "boom");
      createTask(
        () => {
          throw new Error("never retrieved");
        },
        { eagerStart: true },
      );
    });
    assert.deepEqual(
      reports.map((r) => (r.exception as Error).message),
      ["never retrieved"],
    );
  });

  it("nested: an eager task that creates an eager task; each is current in its own step, its creator again after", async () => {
    const trace: string[] = [];
    await runVirtual(
      async () => {
        const outer = createTask(
          async () => {
            trace.push(`outer step in ${currentTask()?.getName()}`);
            const inner = createTask(
              async () => {
                trace.push(`inner step in ${currentTask()?.getName()}`);
                await sleep(0);
                trace.push(`inner second step in ${currentTask()?.getName()}`);
                return "inner";
              },
              { name: "inner" },
            );
            trace.push(`outer again in ${currentTask()?.getName()}, inner done=${inner.done()}`);
            return await inner;
          },
          { name: "outer" },
        );
        trace.push(`main again in ${currentTask()?.getName()}`);
        trace.push(`result ${await outer}`);
      },
      { taskFactory: eagerTaskFactory },
    );
    assert.deepEqual(trace, [
      "outer step in outer",
      "inner step in inner",
      "outer again in outer, inner done=false",
      "main again in Task-1",
      "inner second step in inner",
      "result inner",
    ]);
  });

  it("from a loop callback: the step runs in the callback, no task is current after it, and the batch waits for the step", async () => {
    const trace: string[] = [];
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const fut = loop.createFuture<string>();
      let t: Task<string> | undefined;
      loop.callSoon(() => {
        t = createTask(
          async () => {
            trace.push(`step in ${currentTask()?.getName()}`);
            const r = await fut;
            trace.push(`woke with ${r}`);
            return r;
          },
          { eagerStart: true, name: "E" },
        );
        trace.push(`callback: current ${currentTask()?.getName()}`);
      });
      // CPython's task waits on fut before this callback runs, so it wakes
      // on a later turn, after the callback below.
      loop.callSoon(() => fut.setResult("value"));
      loop.callSoon(() => trace.push("the third callback runs"));
      await sleep(0);
      trace.push("main after sleep(0)");
      await t;
    });
    assert.deepEqual(trace, [
      "step in E",
      "callback: current undefined",
      "the third callback runs",
      "main after sleep(0)",
      "woke with value",
    ]);
  });

  it("outside task code and loop callbacks (a host callback): the step runs, and the task goes on as usual", async () => {
    const trace: string[] = [];
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const made = new Future<void>();
      let t: Task<string> | undefined;
      // A loop callback runs outside any task; its setImmediate callback too.
      loop.callSoon(() =>
        setImmediate(() => {
          t = createTask(
            async () => {
              trace.push(`step in ${currentTask()?.getName()}`);
              await sleep(0);
              trace.push(`second step in ${currentTask()?.getName()}`);
              return "r";
            },
            { eagerStart: true, name: "E" },
          );
          trace.push(`host callback: current ${currentTask()?.getName()}`);
          made.setResult();
        }),
      );
      await made;
      trace.push(`made: done=${t!.done()}`);
      trace.push(`result ${await t!}`);
    });
    assert.deepEqual(trace, [
      "step in E",
      "host callback: current undefined",
      // Its sleep(0) was scheduled before the host callback woke main.
      "second step in E",
      "made: done=true",
      "result r",
    ]);
  });

  it("gather() of eager tasks that return at once is done when gather returns (CPython 3.12+)", async () => {
    await runVirtual(
      async () => {
        const g = gather(
          () => 1,
          () => 2,
        );
        assert.ok(g.done());
        assert.deepEqual(await g, [1, 2]);
      },
      { taskFactory: eagerTaskFactory },
    );
  });

  it("run(main, { taskFactory: eagerTaskFactory }): the main task starts lazily, on the loop's first turn", async () => {
    const trace: string[] = [];
    const result = await run(
      async () => {
        trace.push(`main runs; loop running=${getRunningLoop().isRunning()}`);
        return createTask(() => "eager").done();
      },
      { taskFactory: eagerTaskFactory },
    );
    assert.deepEqual(trace, ["main runs; loop running=true"]);
    assert.equal(result, true);
  });
});

describe("eager tasks: an async function that does not await (differs from CPython)", () => {
  // CPython's coroutine finishes inside create_task; a JavaScript async
  // function's promise settles in a promise job, so the task is done one
  // promise job after createTask returns, before the creator's next await
  // resumes (docs/differences.md, "Eager tasks").
  it("is done a promise job after createTask returns, with no loop turn", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      let turns = 0;
      loop.callSoon(() => turns++);
      const t = createTask(async () => "r", { eagerStart: true });
      assert.ok(!t.done());
      assert.ok(allTasks().has(t));
      await Promise.resolve();
      assert.ok(t.done());
      assert.equal(turns, 0);
      assert.equal(await t, "r");
    });
  });

  it("cancel() before that promise job cancels it", async () => {
    await runVirtual(async () => {
      const t = createTask(async () => "r", { eagerStart: true });
      assert.equal(t.cancel(), true);
      await assert.rejects(t, CancelledError);
      assert.ok(t.cancelled());
    });
  });
});
