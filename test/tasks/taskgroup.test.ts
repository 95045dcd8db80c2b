// The TaskGroup tests of CPython 3.13 (Lib/test/test_asyncio/test_taskgroups.py),
// with `async with TaskGroup() as g:` written `await taskGroup(async (g) => ...)`
// and `except* E` written `err.split(E)`.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  ExceptionGroup,
  Future,
  KeyboardInterrupt,
  RuntimeError,
  TaskGroup,
  coroutine,
  createTask,
  currentTask,
  getRunningLoop,
  sleep,
  taskGroup,
  timeout,
  type Task,
} from "asyncio-ts";
import { runVirtual } from "../support/virtual-loop.js";

// Python's `1 / 0`, and the test module's MyExc.
class ZeroDivisionError extends Error {
  override name = "ZeroDivisionError";
}
class MyExc extends Error {
  override name = "MyExc";
}

/** The error `aw` rejects with; fails if it resolves. */
async function rejection(aw: PromiseLike<unknown>): Promise<unknown> {
  try {
    await aw;
  } catch (err) {
    return err;
  }
  assert.fail("expected a rejection");
}

/** The ExceptionGroup `aw` rejects with. */
async function groupRejection(aw: PromiseLike<unknown>): Promise<ExceptionGroup> {
  const err = await rejection(aw);
  assert.ok(err instanceof ExceptionGroup, `expected an ExceptionGroup, got ${String(err)}`);
  return err;
}

/** CPython's get_error_types(eg): the classes of the group's errors. */
function errorTypes(eg: unknown): Set<unknown> {
  assert.ok(eg instanceof ExceptionGroup);
  return new Set(eg.exceptions.map((e) => (e as object).constructor));
}

/** The running task; the tests run inside one. */
function current(): Task<unknown> {
  const task = currentTask();
  assert.ok(task !== undefined);
  return task;
}

/** How many tasks the group waits for, from its repr (CPython's tests read `g._tasks`). */
function taskCount(g: TaskGroup): number {
  return Number(/tasks=(\d+)/.exec(g.toString())?.[1] ?? 0);
}

describe("TaskGroup (test_taskgroups.py)", () => {
  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_01 (CPython 3.13)
  it("waits for every task", async () => {
    await runVirtual(async () => {
      const foo1 = async () => {
        await sleep(0.1);
        return 42;
      };
      const foo2 = async () => {
        await sleep(0.2);
        return 11;
      };
      const [t1, t2] = await taskGroup(async (g) => [g.createTask(foo1), g.createTask(foo2)] as const);
      assert.equal(t1.result(), 42);
      assert.equal(t2.result(), 11);
      assert.equal(getRunningLoop().time(), 0.2);
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_02 (CPython 3.13)
  it("takes tasks created after the body awaited", async () => {
    await runVirtual(async () => {
      const foo1 = async () => {
        await sleep(0.1);
        return 42;
      };
      const foo2 = async () => {
        await sleep(0.2);
        return 11;
      };
      const [t1, t2] = await taskGroup(async (g) => {
        const t1 = g.createTask(foo1);
        await sleep(0.15);
        const t2 = g.createTask(foo2);
        return [t1, t2] as const;
      });
      assert.equal(t1.result(), 42);
      assert.equal(t2.result(), 11);
      assert.equal(getRunningLoop().time(), 0.35);
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_03 (CPython 3.13)
  it("goes on when one of its tasks is cancelled", async () => {
    await runVirtual(async () => {
      const foo1 = async () => {
        await sleep(1);
        return 42;
      };
      const foo2 = async () => {
        await sleep(0.2);
        return 11;
      };
      const [t1, t2] = await taskGroup(async (g) => {
        const t1 = g.createTask(foo1);
        await sleep(0.15);
        // Cancel t1 explicitly: everything else goes on as usual.
        t1.cancel();
        const t2 = g.createTask(foo2);
        return [t1, t2] as const;
      });
      assert.ok(t1.cancelled());
      assert.equal(t2.result(), 11);
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_04 (CPython 3.13)
  it("cancels the other tasks when one fails", async () => {
    await runVirtual(async () => {
      let num = 0;
      let t2Cancel = false;
      let t2: Task<void> | undefined;
      const foo1 = async () => {
        await sleep(0.1);
        throw new ZeroDivisionError();
      };
      const foo2 = async () => {
        try {
          await sleep(1);
        } catch (err) {
          if (err instanceof CancelledError) t2Cancel = true;
          throw err;
        }
        num += 1;
      };
      const runner = async () => {
        await taskGroup(async (g) => {
          g.createTask(foo1);
          t2 = g.createTask(foo2);
        });
        num += 10;
      };
      const eg = await groupRejection(createTask(runner));
      assert.deepEqual(errorTypes(eg), new Set([ZeroDivisionError]));
      assert.equal(num, 0);
      assert.ok(t2Cancel);
      assert.ok(t2!.cancelled());
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_cancel_children_on_child_error (CPython 3.13)
  it("cancels the other tasks and the body when a task fails", async () => {
    await runVirtual(async () => {
      let num = 0;
      let t2Cancel = false;
      let runnerCancel = false;
      const foo1 = async () => {
        await sleep(0.1);
        throw new ZeroDivisionError();
      };
      const foo2 = async () => {
        try {
          await sleep(5);
        } catch (err) {
          if (err instanceof CancelledError) t2Cancel = true;
          throw err;
        }
        num += 1;
      };
      const runner = async () => {
        await taskGroup(async (g) => {
          g.createTask(foo1);
          g.createTask(foo1);
          g.createTask(foo1);
          g.createTask(foo2);
          try {
            await sleep(10);
          } catch (err) {
            if (err instanceof CancelledError) runnerCancel = true;
            throw err;
          }
        });
        num += 10;
      };
      const eg = await groupRejection(createTask(runner));
      assert.deepEqual(errorTypes(eg), new Set([ZeroDivisionError]));
      // The virtual clock makes the three foo1 fail at the same time, before
      // the cancellation (CPython's test allows fewer on a busy host).
      assert.equal(eg.exceptions.length, 3);
      assert.equal(num, 0);
      assert.ok(t2Cancel);
      assert.ok(runnerCancel);
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_cancellation (CPython 3.13)
  it("cancelling the parent task cancels the group's tasks", async () => {
    await runVirtual(async () => {
      let num = 0;
      const foo = async () => {
        try {
          await sleep(5);
        } catch (err) {
          if (err instanceof CancelledError) num += 1;
          throw err;
        }
      };
      const runner = () =>
        taskGroup(async (g) => {
          for (let i = 0; i < 5; i++) g.createTask(foo);
        });
      const r = createTask(runner);
      await sleep(0.1);
      assert.equal(r.done(), false);
      r.cancel();
      assert.ok((await rejection(r)) instanceof CancelledError);
      assert.equal(num, 5);
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_07 (CPython 3.13)
  it("cancelling the parent task cancels the body and the tasks", async () => {
    await runVirtual(async () => {
      let num = 0;
      const foo = async () => {
        try {
          await sleep(5);
        } catch (err) {
          if (err instanceof CancelledError) num += 1;
          throw err;
        }
      };
      const runner = () =>
        taskGroup(async (g) => {
          for (let i = 0; i < 5; i++) g.createTask(foo);
          try {
            await sleep(10);
          } catch (err) {
            if (err instanceof CancelledError) num += 10;
            throw err;
          }
        });
      const r = createTask(runner);
      await sleep(0.1);
      assert.equal(r.done(), false);
      r.cancel();
      assert.ok((await rejection(r)) instanceof CancelledError);
      assert.equal(num, 15);
    });
  });

  /** A task that fails in its cleanup: `try: await sleep(10) finally: 1 / 0`. */
  const failsInFinally = async () => {
    try {
      await sleep(10);
    } finally {
      throw new ZeroDivisionError();
    }
  };

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_08 (CPython 3.13)
  it("errors of the tasks win over the parent's cancellation", async () => {
    await runVirtual(async () => {
      const runner = () =>
        taskGroup(async (g) => {
          for (let i = 0; i < 5; i++) g.createTask(failsInFinally);
          await sleep(10);
        });
      const r = createTask(runner);
      await sleep(0.1);
      assert.equal(r.done(), false);
      r.cancel();
      const eg = await groupRejection(r);
      assert.deepEqual(errorTypes(eg), new Set([ZeroDivisionError]));
      assert.equal(eg.exceptions.length, 5);
      // Cancelled from outside, the task stays cancelled once (as under CPython 3.13).
      assert.equal(r.cancelling(), 1);
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_09 (CPython 3.13)
  it("an error of the body after an await cancels the tasks", async () => {
    await runVirtual(async () => {
      let t1: Task<number> | undefined;
      let t2: Task<number> | undefined;
      const foo1 = async () => {
        await sleep(1);
        return 42;
      };
      const foo2 = async () => {
        await sleep(2);
        return 11;
      };
      const eg = await groupRejection(
        taskGroup(async (g) => {
          t1 = g.createTask(foo1);
          t2 = g.createTask(foo2);
          await sleep(0.1);
          throw new ZeroDivisionError();
        }),
      );
      assert.deepEqual(errorTypes(eg), new Set([ZeroDivisionError]));
      assert.ok(t1!.cancelled());
      assert.ok(t2!.cancelled());
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_10 (CPython 3.13)
  it("an error of the body before any await cancels the tasks", async () => {
    await runVirtual(async () => {
      let t1: Task<number> | undefined;
      let t2: Task<number> | undefined;
      const foo1 = async () => {
        await sleep(1);
        return 42;
      };
      const foo2 = async () => {
        await sleep(2);
        return 11;
      };
      const eg = await groupRejection(
        taskGroup(async (g) => {
          t1 = g.createTask(foo1);
          t2 = g.createTask(foo2);
          throw new ZeroDivisionError();
        }),
      );
      assert.deepEqual(errorTypes(eg), new Set([ZeroDivisionError]));
      assert.ok(t1!.cancelled());
      assert.ok(t2!.cancelled());
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_11 (CPython 3.13)
  it("nested groups: the inner group's errors reach the outer one as a group", async () => {
    await runVirtual(async () => {
      const runner = () =>
        taskGroup(() =>
          taskGroup(async (g2) => {
            for (let i = 0; i < 5; i++) g2.createTask(failsInFinally);
            await sleep(10);
          }),
        );
      const r = createTask(runner);
      await sleep(0.1);
      assert.equal(r.done(), false);
      r.cancel();
      const eg = await groupRejection(r);
      assert.deepEqual(errorTypes(eg), new Set([ExceptionGroup]));
      assert.deepEqual(errorTypes(eg.exceptions[0]), new Set([ZeroDivisionError]));
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_12 (CPython 3.13)
  it("nested groups, the outer one with a task of its own", async () => {
    await runVirtual(async () => {
      const runner = () =>
        taskGroup(async (g1) => {
          g1.createTask(sleep(10));
          await taskGroup(async (g2) => {
            for (let i = 0; i < 5; i++) g2.createTask(failsInFinally);
            await sleep(10);
          });
        });
      const r = createTask(runner);
      await sleep(0.1);
      assert.equal(r.done(), false);
      r.cancel();
      const eg = await groupRejection(r);
      assert.deepEqual(errorTypes(eg), new Set([ExceptionGroup]));
      assert.deepEqual(errorTypes(eg.exceptions[0]), new Set([ZeroDivisionError]));
    });
  });

  const crashAfter = (t: number) => async () => {
    await sleep(t);
    throw new RangeError(String(t)); // Python's ValueError(t)
  };

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_13 (CPython 3.13)
  it("nested groups: the outer group's task fails first", async () => {
    await runVirtual(async () => {
      const runner = () =>
        taskGroup(async (g1) => {
          g1.createTask(crashAfter(0.1));
          await taskGroup((g2) => {
            g2.createTask(crashAfter(10));
          });
        });
      const eg = await groupRejection(createTask(runner));
      assert.deepEqual(errorTypes(eg), new Set([RangeError]));
      assert.equal(getRunningLoop().time(), 0.1);
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_14 (CPython 3.13)
  it("nested groups: the inner group's task fails first", async () => {
    await runVirtual(async () => {
      const runner = () =>
        taskGroup(async (g1) => {
          g1.createTask(crashAfter(10));
          await taskGroup((g2) => {
            g2.createTask(crashAfter(0.1));
          });
        });
      const eg = await groupRejection(createTask(runner));
      assert.deepEqual(errorTypes(eg), new Set([ExceptionGroup]));
      assert.deepEqual(errorTypes(eg.exceptions[0]), new Set([RangeError]));
      assert.equal(getRunningLoop().time(), 0.1);
    });
  });

  const crashSoon = async () => {
    await sleep(0.3);
    throw new ZeroDivisionError();
  };
  /** A group whose body, when cancelled, takes 0.5 s more to stop, while its task fails. */
  const slowToStop = () =>
    taskGroup(async (g1) => {
      g1.createTask(crashSoon);
      try {
        await sleep(10);
      } catch (err) {
        if (err instanceof CancelledError) await sleep(0.5);
        throw err;
      }
    });

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_15 (CPython 3.13)
  it("a task's error during the body's cleanup after a cancel wins over the cancel", async () => {
    await runVirtual(async () => {
      const r = createTask(slowToStop);
      await sleep(0.1);
      assert.equal(r.done(), false);
      r.cancel();
      const eg = await groupRejection(r);
      assert.deepEqual(errorTypes(eg), new Set([ZeroDivisionError]));
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_16 (CPython 3.13)
  it("the same, with the group in a task that the cancelled task awaits", async () => {
    await runVirtual(async () => {
      const runner = async () => {
        const t = createTask(slowToStop);
        await t;
      };
      const r = createTask(runner);
      await sleep(0.1);
      assert.equal(r.done(), false);
      r.cancel();
      const eg = await groupRejection(r);
      assert.deepEqual(errorTypes(eg), new Set([ZeroDivisionError]));
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_17 (CPython 3.13)
  it("a group without tasks lets the parent's cancellation through", async () => {
    await runVirtual(async () => {
      let num = 0;
      const runner = () =>
        taskGroup(async () => {
          try {
            await sleep(10);
          } catch (err) {
            if (err instanceof CancelledError) num += 10;
            throw err;
          }
        });
      const r = createTask(runner);
      await sleep(0.1);
      assert.equal(r.done(), false);
      r.cancel();
      assert.ok((await rejection(r)) instanceof CancelledError);
      assert.equal(num, 10);
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_18 (CPython 3.13)
  it("a body that turns its cancellation into an error gives that error in a group", async () => {
    await runVirtual(async () => {
      let num = 0;
      const runner = () =>
        taskGroup(async () => {
          try {
            await sleep(10);
          } catch (err) {
            if (!(err instanceof CancelledError)) throw err;
            num += 10;
            // Not a good idea, but it has to be supported.
            throw new MyExc();
          }
        });
      const r = createTask(runner);
      await sleep(0.1);
      assert.equal(r.done(), false);
      r.cancel();
      const eg = await groupRejection(r);
      assert.deepEqual(errorTypes(eg), new Set([MyExc]));
      assert.equal(num, 10);
    });
  });

  const crashAfterZeroDivision = async () => {
    await sleep(0.1);
    throw new ZeroDivisionError();
  };

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_19 (CPython 3.13)
  it("the body's error and the task's error come out together", async () => {
    await runVirtual(async () => {
      const nested = async () => {
        try {
          await sleep(10);
        } finally {
          throw new MyExc();
        }
      };
      const runner = () =>
        taskGroup(async (g) => {
          g.createTask(crashAfterZeroDivision);
          await nested();
        });
      const eg = await groupRejection(createTask(runner));
      assert.deepEqual(errorTypes(eg), new Set([MyExc, ZeroDivisionError]));
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_20 (CPython 3.13)
  it("a KeyboardInterrupt of the body is thrown as it is, not in a group", async () => {
    await runVirtual(async () => {
      const nested = async () => {
        try {
          await sleep(10);
        } finally {
          throw new KeyboardInterrupt();
        }
      };
      const err = await rejection(
        taskGroup(async (g) => {
          g.createTask(crashAfterZeroDivision);
          await nested();
        }),
      );
      assert.ok(err instanceof KeyboardInterrupt);
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_22 (CPython 3.13)
  it("cancelling the parent task while the tasks run gives CancelledError", async () => {
    await runVirtual(async () => {
      const foo1 = async () => {
        await sleep(1);
        return 42;
      };
      const foo2 = async () => {
        await sleep(2);
        return 11;
      };
      const runner = () =>
        taskGroup((g) => {
          g.createTask(foo1);
          g.createTask(foo2);
        });
      const r = createTask(runner);
      await sleep(0.05);
      r.cancel();
      assert.ok((await rejection(r)) instanceof CancelledError);
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_23 (CPython 3.13)
  it("forgets its tasks as they finish", async () => {
    await runVirtual(async () => {
      const doJob = (delay: number) => () => sleep(delay);
      await taskGroup(async (g) => {
        for (let count = 0; count < 10; count++) {
          await sleep(0.1);
          g.createTask(doJob(0.3));
          if (count === 5) assert.ok(taskCount(g) < 5, g.toString());
        }
        await sleep(1.35);
        assert.equal(taskCount(g), 0, g.toString());
      });
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_24 (CPython 3.13)
  it("a task of the group creates more tasks in it", async () => {
    await runVirtual(async () => {
      const done: number[] = [];
      const coro1 = (delay: number) => async () => {
        await sleep(delay);
        done.push(delay);
      };
      const root = (g: TaskGroup) => async () => {
        await sleep(0.1);
        g.createTask(coro1(0.1));
        g.createTask(coro1(0.2));
      };
      await taskGroup((g) => {
        g.createTask(root(g));
      });
      assert.deepEqual(done, [0.1, 0.2]);
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_25 (CPython 3.13)
  it("a failure stops tasks that keep creating tasks", async () => {
    await runVirtual(async () => {
      let nhydras = 0;
      const hydra = (g: TaskGroup) => async () => {
        nhydras += 1;
        await sleep(0.01);
        g.createTask(hydra(g));
        g.createTask(hydra(g));
      };
      const hercules = async () => {
        while (nhydras < 10) await sleep(0.015);
        throw new ZeroDivisionError();
      };
      const eg = await groupRejection(
        taskGroup((g) => {
          g.createTask(hydra(g));
          g.createTask(hercules);
        }),
      );
      assert.deepEqual(errorTypes(eg), new Set([ZeroDivisionError]));
      assert.ok(nhydras >= 10);
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_task_name (CPython 3.13)
  it("passes createTask's options on", async () => {
    await runVirtual(async () => {
      await taskGroup((g) => {
        const t = g.createTask(() => sleep(0), { name: "yolo" });
        assert.equal(t.getName(), "yolo");
      });
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_no_create_task_after_failure (CPython 3.13)
  it("refuses new tasks once a task failed", async () => {
    await runVirtual(async () => {
      let refused: unknown;
      const coro1 = async () => {
        await sleep(0.001);
        throw new ZeroDivisionError();
      };
      const coro2 = (g: TaskGroup) => async () => {
        try {
          await sleep(1);
        } catch (err) {
          if (!(err instanceof CancelledError)) throw err;
          try {
            g.createTask(coro1);
          } catch (e) {
            refused = e;
          }
        }
      };
      const eg = await groupRejection(
        taskGroup((g) => {
          g.createTask(coro1);
          g.createTask(coro2(g));
        }),
      );
      assert.deepEqual(errorTypes(eg), new Set([ZeroDivisionError]));
      assert.ok(refused instanceof RuntimeError);
      assert.match(refused.message, /is shutting down/);
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_context_manager_exit_raises (CPython 3.13)
  it("an error from the body's cleanup joins the task's error, and the parent is not left cancelled", async () => {
    // CPython's GH-95289: an async context manager in the body (here a
    // try/finally) raises while the group is cancelling the body.
    class CustomException extends Error {}
    await runVirtual(async () => {
      const raiseExc = () => {
        throw new CustomException();
      };
      const main = async () => {
        const task = current();
        const err = await rejection(
          taskGroup(async (tg) => {
            try {
              tg.createTask(raiseExc);
              await sleep(1);
            } finally {
              throw new CustomException();
            }
          }),
        );
        assert.ok(err instanceof ExceptionGroup);
        const [match, rest] = err.split(CustomException);
        assert.equal(rest, undefined);
        assert.equal(task.cancelling(), 0);
        assert.equal(match!.exceptions.length, 2);
      };
      await createTask(main);
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_already_entered (CPython 3.13)
  it("cannot be entered again while it runs", async () => {
    await runVirtual(async () => {
      const tg = new TaskGroup();
      await tg.run(async () => {
        const err = await rejection(tg.run(() => {}));
        assert.ok(err instanceof RuntimeError);
        assert.match(err.message, /has already been entered/);
      });
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_double_enter (CPython 3.13)
  it("cannot be entered again after it ran", async () => {
    await runVirtual(async () => {
      const tg = new TaskGroup();
      await tg.run(() => {});
      const err = await rejection(tg.run(() => {}));
      assert.ok(err instanceof RuntimeError);
      assert.match(err.message, /has already been entered/);
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_finished,
  // TestTaskGroup.test_coro_closed_when_tg_closed (CPython 3.13)
  it("refuses tasks once finished, and closes the Coroutine it refused", async () => {
    await runVirtual(async () => {
      const tg = new TaskGroup();
      await tg.run(() => {});
      let ran = false;
      const coro = coroutine(async () => {
        ran = true;
        await sleep(0);
      })();
      assert.throws(() => tg.createTask(coro), { name: "RuntimeError", message: /is finished/ });
      // CPython closes the coroutine, so that no "never awaited" warning comes.
      const err = await rejection(coro);
      assert.ok(err instanceof RuntimeError);
      assert.match(err.message, /cannot reuse already awaited coroutine/);
      assert.equal(ran, false);
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_not_entered (CPython 3.13)
  it("refuses tasks before it is entered", async () => {
    await runVirtual(() => {
      const tg = new TaskGroup();
      assert.throws(() => tg.createTask(() => sleep(0)), { name: "RuntimeError", message: /has not been entered/ });
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_taskgroup_without_parent_task (CPython 3.13)
  it("needs a task to run in", async () => {
    await runVirtual(async () => {
      const tg = new TaskGroup();
      // CPython's await_without_task: run it from a callback of the loop.
      const outcome = new Future<unknown>();
      getRunningLoop().callSoon(() => {
        tg.run(() => {}).then(
          () => outcome.setResult("no error"),
          (err: unknown) => outcome.setResult(err),
        );
      });
      const err = await outcome;
      assert.ok(err instanceof RuntimeError);
      assert.match(err.message, /parent task/);
      assert.throws(() => tg.createTask(() => sleep(0)), { name: "RuntimeError", message: /has not been entered/ });
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_cancelling_level_preserved (CPython 3.13)
  it("leaves the parent task's cancelling() at 0 after a failure", async () => {
    await runVirtual(async () => {
      const raiseAfter = (t: number, E: new () => Error) => async () => {
        await sleep(t);
        throw new E();
      };
      const err = await groupRejection(
        taskGroup((tg) => {
          tg.createTask(raiseAfter(0, RuntimeError));
        }),
      );
      const [, rest] = err.split(RuntimeError);
      assert.equal(rest, undefined);
      assert.equal(current().cancelling(), 0);
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_nested_groups_both_cancelled (CPython 3.13)
  it("nested groups that both fail each undo their own cancel", async () => {
    await runVirtual(async () => {
      const raiseAfter = (t: number, E: new () => Error) => async () => {
        await sleep(t);
        throw new E();
      };
      const outer = await groupRejection(
        taskGroup(async (outerTg) => {
          const inner = await groupRejection(
            taskGroup((innerTg) => {
              innerTg.createTask(raiseAfter(0, RuntimeError));
              outerTg.createTask(raiseAfter(0, RangeError));
            }),
          );
          assert.equal(inner.split(RuntimeError)[1], undefined);
          assert.equal(current().cancelling(), 1);
        }),
      );
      assert.equal(outer.split(RangeError)[1], undefined);
      assert.equal(current().cancelling(), 0);
    });
  });

  // Ported from test_taskgroups.py: TestTaskGroup.test_error_and_cancel (CPython 3.13)
  it("a cancel from outside, during a failure, stays pending after the group", async () => {
    await runVirtual(async () => {
      const event = new Future<void>(); // CPython's asyncio.Event
      const raiseError = async () => {
        event.setResult();
        await sleep(0);
        throw new RuntimeError();
      };
      const inner = async () => {
        const err = await groupRejection(
          taskGroup(async (tg) => {
            tg.createTask(raiseError);
            await sleep(1);
            assert.fail("Sleep in group should have been cancelled");
          }),
        );
        assert.equal(err.split(RuntimeError)[1], undefined);
        assert.equal(current().cancelling(), 1);
        await sleep(1);
        assert.fail("Sleep after group should have been cancelled");
      };
      const t = createTask(inner);
      await event;
      assert.equal(t.cancelling(), 0);
      t.cancel();
      assert.equal(t.cancelling(), 1);
      assert.ok((await rejection(t)) instanceof CancelledError);
      assert.ok(t.cancelled());
    });
  });
});

describe("TaskGroup with timeout() (test_timeouts.py)", () => {
  // Ported from test_timeouts.py: TimeoutTests.test_timeout_taskgroup (CPython 3.13)
  it("a task's error in its cleanup after the deadline comes out in a group, not as a TimeoutError", async () => {
    // CPython's test also checks the __context__ chains, which JavaScript has not.
    await runVirtual(async () => {
      const task = async () => {
        try {
          await sleep(2); // Interrupted after 0.01 s.
        } finally {
          throw new ZeroDivisionError(); // Crash in cleanup.
        }
      };
      const eg = await groupRejection(
        timeout(0.01, () =>
          taskGroup(async (tg) => {
            tg.createTask(task);
            try {
              throw new RangeError(); // Python's ValueError
            } finally {
              await sleep(1);
            }
          }),
        ),
      );
      assert.equal(eg.cause, undefined);
      assert.equal(eg.exceptions.length, 1, String(eg));
      assert.ok(eg.exceptions[0] instanceof ZeroDivisionError);
      assert.equal(getRunningLoop().time(), 0.01);
      assert.equal(current().cancelling(), 0);
    });
  });
});

describe("TaskGroup in JavaScript", () => {
  const fail = (delay: number, err: unknown) => async () => {
    await sleep(delay);
    throw err;
  };

  it("taskGroup() and run() return the body's value", async () => {
    await runVirtual(async () => {
      assert.equal(await taskGroup(() => 1), 1);
      const slow = async () => {
        await sleep(0.1);
        return "t";
      };
      // A Task returned in an object stays a Task, done when the group is.
      const { t } = await new TaskGroup().run((g) => ({ t: g.createTask(slow) }));
      assert.equal(t.result(), "t");
      // A Task returned as it is is awaited, as an async function's returned
      // thenable is: the group gives its result (CPython gives the Task).
      assert.equal(await taskGroup((g) => g.createTask(slow)), "t");
    });
  });

  it("a body that returns a Task that fails throws the group with its error once", async () => {
    await runVirtual(async () => {
      const err = new RangeError("x");
      const eg = await groupRejection(taskGroup((g) => g.createTask(fail(0.1, err))));
      assert.deepEqual(eg.exceptions, [err]);
      assert.equal(current().cancelling(), 0);
    });
  });

  it("a body that returns while a task fails later still throws the group", async () => {
    await runVirtual(async () => {
      const eg = await groupRejection(
        taskGroup((g) => {
          g.createTask(fail(0.1, new RangeError("late")));
          return 5;
        }),
      );
      assert.equal(eg.message, "unhandled errors in a TaskGroup");
      assert.equal(String(eg), "ExceptionGroup: unhandled errors in a TaskGroup (1 sub-exception)");
    });
  });

  it("a body that swallows the group's cancel runs on, and the parent is not left cancelled", async () => {
    // As under CPython 3.13: ['swallowed', 'after', ('eg', ['ValueError'], 0), 'sleep ok'].
    await runVirtual(async () => {
      const log: unknown[] = [];
      const eg = await groupRejection(
        taskGroup(async (g) => {
          g.createTask(fail(0.1, new RangeError("1")));
          try {
            await sleep(1);
          } catch (err) {
            if (err instanceof CancelledError) log.push("swallowed");
          }
          log.push("after");
          return 5;
        }),
      );
      log.push(["eg", [...errorTypes(eg)], current().cancelling()]);
      await sleep(0.1);
      log.push("sleep ok");
      assert.deepEqual(log, ["swallowed", "after", ["eg", [RangeError], 0], "sleep ok"]);
    });
  });

  it("groups thrown values that are not Errors", async () => {
    await runVirtual(async () => {
      const eg = await groupRejection(
        taskGroup((g) => {
          g.createTask(fail(0.1, "str"));
          g.createTask(fail(0.1, undefined));
        }),
      );
      assert.deepEqual(eg.exceptions, ["str", undefined]);
    });
  });

  it("a body that throws undefined gives a group of undefined", async () => {
    await runVirtual(async () => {
      const eg = await groupRejection(
        taskGroup(() => {
          throw undefined;
        }),
      );
      assert.deepEqual(eg.exceptions, [undefined]);
    });
  });

  it("retrieves its tasks' errors: no 'exception was never retrieved' report", async () => {
    await runVirtual(async () => {
      const reports: unknown[] = [];
      getRunningLoop().setExceptionHandler((_loop, context) => reports.push(context.message));
      await groupRejection(
        taskGroup((g) => {
          g.createTask(fail(0.1, new RangeError("a")));
          g.createTask(fail(0.1, new RangeError("b")));
        }),
      );
      await sleep(0);
      assert.deepEqual(reports, []);
    });
  });

  it("toString() is CPython's repr", async () => {
    await runVirtual(async () => {
      const tg = new TaskGroup();
      const seen: string[] = [String(tg)];
      await groupRejection(
        tg.run(async (g) => {
          g.createTask(() => sleep(1));
          seen.push(String(g));
          g.createTask(fail(0.1, new RangeError()));
          try {
            await sleep(5);
          } catch (err) {
            seen.push(String(g));
            throw err;
          }
        }),
      );
      seen.push(String(tg));
      // CPython 3.13 shows '<TaskGroup>', '<TaskGroup tasks=1 entered>' and
      // '<TaskGroup tasks=1 errors=1 cancelling>' at the same points.
      assert.deepEqual(seen, [
        "<TaskGroup>",
        "<TaskGroup tasks=1 entered>",
        "<TaskGroup tasks=1 errors=1 cancelling>",
        "<TaskGroup cancelling>",
      ]);
    });
  });

  it("a KeyboardInterrupt of a task is thrown as it is", async () => {
    // CPython's loop stops on a KeyboardInterrupt in a task (its
    // _test_taskgroup_21 is disabled); here the group re-throws it, as it
    // does the body's (test_taskgroup_20), the other errors being dropped.
    await runVirtual(async () => {
      const ki = new KeyboardInterrupt();
      const err = await rejection(
        taskGroup(async (g) => {
          g.createTask(fail(0.1, ki));
          try {
            await sleep(10);
          } finally {
            throw new TypeError();
          }
        }),
      );
      assert.equal(err, ki);
      // As in CPython, the base error leaves before the group undoes its
      // cancel of the parent task.
      assert.equal(current().cancelling(), 1);
    });
  });

  it("waits for its tasks through repeated cancels of the parent task", async () => {
    // As under CPython 3.13, which gives the same log (at 0.61 s for 0.6).
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const log: unknown[] = [];
      const stubborn = (i: number) => async () => {
        try {
          await sleep(10);
        } catch (err) {
          log.push(["child cancelled", i, loop.time()]);
          await sleep(0.5);
          log.push(["child done", i, loop.time()]);
          throw err;
        }
      };
      const r = createTask(() =>
        taskGroup((g) => {
          g.createTask(stubborn(1));
          g.createTask(stubborn(2));
        }),
      );
      await sleep(0.1);
      r.cancel();
      await sleep(0.1);
      r.cancel();
      assert.ok((await rejection(r)) instanceof CancelledError);
      assert.deepEqual(log, [
        ["child cancelled", 1, 0.1],
        ["child cancelled", 2, 0.1],
        ["child done", 1, 0.6],
        ["child done", 2, 0.6],
      ]);
      assert.equal(r.cancelling(), 2);
    });
  });

  it("reports a task's error to the loop when the parent task is already done", async () => {
    // CPython's "not sure if this case is possible" branch: here a group run
    // without being awaited outlives the task that started it.
    await runVirtual(async () => {
      const reports: [string, unknown][] = [];
      getRunningLoop().setExceptionHandler((_loop, context) => reports.push([context.message, context.exception]));
      const late = new RangeError("late");
      const tg = new TaskGroup();
      let outcome: unknown;
      const parent = createTask(() => {
        tg.run((g) => {
          g.createTask(fail(0.1, late));
        }).then(
          () => (outcome = "no error"),
          (err: unknown) => (outcome = err),
        );
      });
      await parent;
      await sleep(1);
      assert.equal(reports.length, 1);
      assert.match(
        reports[0]![0],
        /^Task <Task .*> has errored out but its parent task <Task finished .*> is already completed$/,
      );
      assert.equal(reports[0]![1], late);
      assert.ok(outcome instanceof ExceptionGroup);
      assert.deepEqual(outcome.exceptions, [late]);
    });
  });

  it("refuses a body that is not a function", async () => {
    await runVirtual(() => {
      assert.throws(() => taskGroup(42 as never), {
        name: "TypeError",
        code: "ERR_ASYNCIO_INVALID_ARG_TYPE",
        message:
          "TaskGroup.run() expects a function that takes the group, got 42: pass async (tg) => { tg.createTask(...) }",
      });
    });
  });

  it("says what to do in its refusals", async () => {
    await runVirtual(async () => {
      const tg = new TaskGroup();
      assert.throws(() => tg.createTask(() => 1), {
        message: "TaskGroup <TaskGroup> has not been entered: create its tasks inside taskGroup(async (tg) => ...)",
      });
      await tg.run(() => {});
      assert.throws(() => tg.createTask(() => 1), {
        message: "TaskGroup <TaskGroup entered> is finished: create a new group for more tasks",
      });
      const err = await rejection(tg.run(() => {}));
      assert.ok(err instanceof RuntimeError);
      assert.equal(
        err.message,
        "TaskGroup <TaskGroup entered> has already been entered: a group runs once, make a new one",
      );
    });
  });

  it("counts a task that finished eagerly at once", async () => {
    await runVirtual(async () => {
      const { eagerTaskFactory } = await import("asyncio-ts");
      getRunningLoop().setTaskFactory(eagerTaskFactory);
      let bodyCancelled = false;
      const eg = await groupRejection(
        taskGroup(async (g) => {
          const t = g.createTask(() => {
            throw new RangeError("eager");
          });
          assert.ok(t.done());
          assert.match(String(g), /errors=1 cancelling/);
          try {
            await sleep(1);
          } catch (err) {
            bodyCancelled = err instanceof CancelledError;
            throw err;
          }
        }),
      );
      assert.deepEqual(errorTypes(eg), new Set([RangeError]));
      assert.ok(bodyCancelled);
      assert.equal(current().cancelling(), 0);
    });
  });
});
