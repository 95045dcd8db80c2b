import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import {
  EventLoop,
  Future,
  RuntimeError,
  Task,
  VirtualClock,
  coroutine,
  ensureFuture,
  sleep,
  type Coroutine,
} from "asyncio-ts";
import { runVirtual } from "../support/virtual-loop.js";

/** A loop that is not running, closed when the test ends (CPython's `asyncio.new_event_loop()`). */
function newLoop(t: TestContext): EventLoop {
  const loop = new EventLoop({ clock: new VirtualClock() });
  t.after(() => loop.close());
  return loop;
}

const NO_RUNNING_LOOP = "no running event loop: call this inside run(main), or inside a task that run() started";

/** A TypeError for a Future of another loop than the one given (CPython: ValueError). */
function isOtherLoopError(err: unknown): boolean {
  assert.ok(err instanceof TypeError);
  assert.match(err.message, /different loop/);
  return true;
}

describe("ensureFuture()", () => {
  // Ported from test_tasks.py: BaseTaskTests.test_ensure_future_coroutine (CPython 3.13)
  // Not ported: the part after asyncio.set_event_loop(); asyncio-ts has no
  // current (set) event loop besides the running one.
  it("runs a Coroutine as a Task of the loop given, else of the running loop; with neither, throws RuntimeError", async (t) => {
    const notmuch = coroutine(async () => "ok");
    const loop = newLoop(t);
    const t1 = ensureFuture(notmuch(), { loop });
    assert.ok(t1 instanceof Task);
    assert.equal(t1.getLoop(), loop);
    await loop.runUntilComplete(t1);
    assert.equal(t1.done(), true);
    assert.equal(t1.result(), "ok");

    const a = notmuch();
    assert.throws(
      () => ensureFuture(a),
      (err: unknown) => {
        assert.ok(err instanceof RuntimeError);
        assert.equal(err.message, NO_RUNNING_LOOP);
        return true;
      },
    );

    // An async function would adopt a returned Future as its own result, so
    // the Task that test() makes is handed out through a variable.
    let t2: Future<string> | undefined;
    const test = coroutine(async () => {
      t2 = ensureFuture(notmuch());
    });
    await loop.runUntilComplete(ensureFuture(test(), { loop }));
    assert.ok(t2 instanceof Task);
    assert.equal(t2.getLoop(), loop);
    await loop.runUntilComplete(t2);
    assert.equal(t2.done(), true);
    assert.equal(t2.result(), "ok");
  });

  // Ported from test_tasks.py: BaseTaskTests.test_ensure_future_future (CPython 3.13)
  it("returns a Future as it is, even outside a running loop; refuses one of another loop than the one given", async (t) => {
    const loop = newLoop(t);
    const fOrig = new Future<string>({ loop });
    fOrig.setResult("ko");

    // As CPython: with no loop given, a Future is returned as it is; no
    // running loop is needed for that.
    const f = ensureFuture(fOrig);
    await loop.runUntilComplete(f);
    assert.equal(f.done(), true);
    assert.equal(f.result(), "ko");
    assert.equal(f, fOrig);

    const other = newLoop(t);
    assert.throws(() => ensureFuture(fOrig, { loop: other }), isOtherLoopError);
    other.close();

    assert.equal(ensureFuture(fOrig, { loop }), fOrig);
  });

  // Ported from test_tasks.py: BaseTaskTests.test_ensure_future_task (CPython 3.13)
  it("returns a Task as it is, even outside a running loop; refuses one of another loop than the one given", async (t) => {
    const notmuch = coroutine(async () => "ok");
    const loop = newLoop(t);
    const tOrig = ensureFuture(notmuch(), { loop }); // CPython: loop.create_task(notmuch())
    const task = ensureFuture(tOrig);
    await loop.runUntilComplete(task);
    assert.equal(task.done(), true);
    assert.equal(task.result(), "ok");
    assert.equal(task, tOrig);

    const other = newLoop(t);
    assert.throws(() => ensureFuture(tOrig, { loop: other }), isOtherLoopError);
    other.close();

    assert.equal(ensureFuture(tOrig, { loop }), tOrig);
  });

  // Ported from test_tasks.py: BaseTaskTests.test_ensure_future_awaitable (CPython 3.13)
  // CPython's Aw has an __await__ that delegates to a coroutine; JavaScript's
  // counterpart is a thenable whose then() does.
  it("accepts any thenable and resolves to its value", async (t) => {
    class Aw<T> implements PromiseLike<T> {
      constructor(readonly coro: Coroutine<T>) {}
      then<R1 = T, R2 = never>(
        onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
        onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
      ): PromiseLike<R1 | R2> {
        return this.coro.then(onFulfilled, onRejected);
      }
    }
    const coro = coroutine(async () => "ok");
    const loop = newLoop(t);
    const fut = ensureFuture(new Aw(coro()), { loop });
    await loop.runUntilComplete(fut);
    assert.equal(fut.result(), "ok");
  });

  // Ported from test_tasks.py: BaseTaskTests.test_ensure_future_task_awaitable (CPython 3.13)
  // Adapted: CPython wraps the awaitable in a Task and checks that
  // task.get_coro() is a coroutine. asyncio-ts follows a thenable with a
  // plain Future and calls its then() inside ensureFuture() (a promise is
  // already running; docs/differences.md), so there is no getCoro() to check,
  // and sleep() in then() needs the running loop: the call is made inside one.
  it("follows a thenable whose then() awaits sleep(0, 'ok')", async () => {
    class Aw implements PromiseLike<string> {
      then<R1 = string, R2 = never>(
        onFulfilled?: ((value: string) => R1 | PromiseLike<R1>) | null,
        onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
      ): PromiseLike<R1 | R2> {
        return sleep(0, "ok").then(onFulfilled, onRejected);
      }
    }
    await runVirtual(async () => {
      const task = ensureFuture(new Aw());
      assert.ok(task instanceof Future);
      await task;
      assert.equal(task.done(), true);
      assert.equal(task.result(), "ok");
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_ensure_future_neither (CPython 3.13)
  it("refuses what cannot be awaited with a TypeError saying what to pass", async () => {
    await runVirtual(async () => {
      assert.throws(
        () => ensureFuture("ok" as never),
        (err: unknown) => {
          assert.ok(err instanceof TypeError);
          assert.equal(
            err.message,
            "ensureFuture() expects an async function, a Task, a Future or a promise, got 'ok': " +
              "pass the function itself (ensureFuture(fn)) or the promise it returns (ensureFuture(fn()))",
          );
          return true;
        },
      );
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_ensure_future_error_msg (CPython 3.13)
  // CPython raises ValueError; a bad argument is a TypeError here. The
  // message keeps CPython's words, then says what to do.
  it("says that the Future belongs to a different loop than the one given", async (t) => {
    const loop = newLoop(t);
    const other = newLoop(t);
    const f = new Future<void>({ loop: other });
    assert.throws(
      () => ensureFuture(f, { loop }),
      (err: unknown) => {
        assert.ok(err instanceof TypeError);
        assert.match(
          err.message,
          /the future belongs to a different loop than the one specified as the loop (argument|option): \S/i,
        );
        return true;
      },
    );
  });
});
