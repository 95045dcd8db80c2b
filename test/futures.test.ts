import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  Future,
  InvalidStateError,
  RuntimeError,
  getRunningLoop,
  isFuture,
  sleep,
  type ExceptionContext,
} from "asyncio-ts";
import { runVirtual } from "./support/virtual-loop.js";
import { recordExceptionHandler, runAndCollectReports } from "./support/reports.js";

// One loop turn; CPython's tests call test_utils.run_briefly(loop) here.
const runBriefly = (): Promise<void> => sleep(0).then(() => undefined);

function _fakefunc(f: unknown): unknown {
  return f;
}
function first_cb(): void {}
function last_cb(): void {}

describe("Future: state and results", () => {
  // Ported from test_futures.py: BaseFutureTests.test_initial_state (CPython 3.13)
  it("starts pending, and cancel() makes it cancelled", async () => {
    await runVirtual(async () => {
      const f = new Future();
      assert.equal(f.cancelled(), false);
      assert.equal(f.done(), false);
      f.cancel();
      assert.equal(f.cancelled(), true);
    });
  });

  // Ported from test_futures.py: BaseFutureTests.test_constructor_without_loop (CPython 3.13)
  it("cannot be created outside a running loop: RuntimeError", () => {
    assert.throws(
      () => new Future(),
      (err: unknown) => {
        assert.ok(err instanceof RuntimeError);
        assert.match(err.message, /no running event loop/);
        return true;
      },
    );
  });

  // Ported from test_futures.py: BaseFutureTests.test_constructor_use_running_loop (CPython 3.13)
  it("belongs to the running loop, and so does loop.createFuture()", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      assert.equal(new Future().getLoop(), loop);
      assert.equal(loop.createFuture().getLoop(), loop);
    });
  });

  // Ported from test_futures.py: BaseFutureTests.test_isfuture (CPython 3.13)
  it("isFuture() is true for Futures only, not for the class or other values", async () => {
    await runVirtual(async () => {
      const f = new Future();
      assert.equal(isFuture(f), true);
      assert.equal(isFuture(Future), false);
      assert.equal(isFuture(1), false);
      assert.equal(isFuture(Promise.resolve(1)), false);
      f.cancel();
    });
  });

  // Ported from test_futures.py: BaseFutureTests.test_cancel (CPython 3.13)
  it("cancel(): cancelled and done, result()/exception() throw CancelledError, set*() InvalidStateError", async () => {
    await runVirtual(async () => {
      const f = new Future();
      assert.equal(f.cancel(), true);
      assert.equal(f.cancelled(), true);
      assert.equal(f.done(), true);
      assert.throws(() => f.result(), CancelledError);
      assert.throws(() => f.exception(), CancelledError);
      assert.throws(() => f.setResult(undefined), InvalidStateError);
      assert.throws(() => f.setException(new Error()), InvalidStateError);
      assert.equal(f.cancel(), false);
    });
  });

  // Ported from test_futures.py: BaseFutureTests.test_result (CPython 3.13)
  it("setResult(): result() returns it, exception() is undefined, a second completion is refused", async () => {
    await runVirtual(async () => {
      const f = new Future<number>();
      assert.throws(() => f.result(), InvalidStateError);
      f.setResult(42);
      assert.equal(f.cancelled(), false);
      assert.equal(f.done(), true);
      assert.equal(f.result(), 42);
      assert.equal(f.exception(), undefined);
      assert.throws(() => f.setResult(0), InvalidStateError);
      assert.throws(() => f.setException(new Error()), InvalidStateError);
      assert.equal(f.cancel(), false);
    });
  });

  // Ported from test_futures.py: BaseFutureTests.test_exception (CPython 3.13)
  it("setException(): result() throws it, exception() returns it, a second completion is refused", async () => {
    await runVirtual(async () => {
      const exc = new Error("boom");
      const f = new Future();
      assert.throws(() => f.exception(), InvalidStateError);
      f.setException(exc);
      assert.equal(f.cancelled(), false);
      assert.equal(f.done(), true);
      assert.throws(
        () => f.result(),
        (err: unknown) => err === exc,
      );
      assert.equal(f.exception(), exc);
      assert.throws(() => f.setResult(0), InvalidStateError);
      assert.throws(() => f.setException(new Error()), InvalidStateError);
      assert.equal(f.cancel(), false);
    });
  });

  it("result() and exception() of a pending Future throw InvalidStateError saying what to do", async () => {
    await runVirtual(async () => {
      const f = new Future();
      for (const call of [() => f.result(), () => f.exception()]) {
        assert.throws(call, (err: unknown) => {
          assert.ok(err instanceof InvalidStateError);
          assert.equal(err.name, "InvalidStateError");
          assert.equal(err.code, "ERR_ASYNCIO_INVALID_STATE");
          assert.match(err.message, /is not set|is not ready/);
          assert.match(err.message, /await/);
          assert.match(err.message, /done\(\)/);
          return true;
        });
      }
      f.cancel();
    });
  });

  // Ported from test_futures.py: BaseFutureTests.test_future_cancel_message_getter (CPython 3.13)
  it("cancel(msg): awaiting it and result() throw a CancelledError carrying msg", async () => {
    await runVirtual(async () => {
      const f = new Future();
      f.cancel("my message");
      await assert.rejects(
        async () => {
          await f;
        },
        (err: unknown) => err instanceof CancelledError && err.message === "my message",
      );
      assert.throws(
        () => f.result(),
        (err: unknown) => err instanceof CancelledError && err.message === "my message",
      );
    });
  });

  // Ported from test_futures.py: BaseFutureTests.test_yield_from_twice (CPython 3.13)
  it("can be awaited twice, giving the same result", async () => {
    await runVirtual(async () => {
      const f = new Future<number>();
      getRunningLoop().callSoon(() => f.setResult(42));
      assert.equal(await f, 42);
      assert.equal(await f, 42);
    });
  });

  it("awaits resume on a later loop turn, not inside setResult()", async () => {
    await runVirtual(async () => {
      const trace: string[] = [];
      const f = new Future<string>();
      const loop = getRunningLoop();
      loop.callSoon(() => {
        f.setResult("x");
        trace.push("set");
      });
      trace.push(`got ${await f}`);
      assert.deepEqual(trace, ["set", "got x"]);
    });
  });
});

describe("Future: toString()", () => {
  // Ported from test_futures.py: BaseFutureTests.test_future_repr (debug off) (CPython 3.13)
  it("shows the state, then the result or exception", async () => {
    await runVirtual(async () => {
      const pending = new Future();
      assert.equal(String(pending), "<Future pending>");
      pending.cancel();

      const cancelled = new Future();
      cancelled.cancel();
      assert.equal(String(cancelled), "<Future cancelled>");

      const withResult = new Future<number>();
      withResult.setResult(4);
      assert.equal(String(withResult), "<Future finished result=4>");
      assert.equal(withResult.result(), 4);

      const exc = new RuntimeError();
      const withException = new Future();
      withException.setException(exc);
      assert.equal(String(withException), "<Future finished exception=RuntimeError()>");
      assert.equal(withException.exception(), exc);
    });
  });

  it("shows a Promise result or exception as <Promise>, and any value on one line", async () => {
    await runVirtual(async () => {
      const promised = new Future<Promise<number>>();
      promised.setResult(Promise.resolve(1));
      assert.equal(String(promised), "<Future finished result=<Promise>>");
      const rejected = new Future();
      rejected.setException(Promise.resolve(2));
      assert.equal(String(rejected), "<Future finished exception=<Promise>>");
      rejected.exception();
      const big = new Future();
      big.setException({ a: [1, 2], b: { c: { d: 1 } }, e: "x".repeat(100) });
      assert.doesNotMatch(String(big), /\n/);
      big.exception();
    });
  });

  // Ported from test_futures.py: BaseFutureTests.test_future_repr (callbacks) (CPython 3.13)
  it("lists its done callbacks: one, two, or first, <N more>, last", async () => {
    await runVirtual(async () => {
      // CPython also shows where each function is defined ("at file:line").
      const cb = (name: string): string => `${name}\\(\\)(?: at [^,\\]]+)?`;

      const one = new Future();
      one.addDoneCallback(_fakefunc);
      assert.match(String(one), new RegExp(`^<Future pending cb=\\[${cb("_fakefunc")}\\]>$`));
      one.cancel();
      assert.equal(String(one), "<Future cancelled>");

      const two = new Future();
      two.addDoneCallback(first_cb);
      two.addDoneCallback(last_cb);
      assert.match(String(two), new RegExp(`^<Future pending cb=\\[${cb("first_cb")}, ${cb("last_cb")}\\]>$`));
      two.cancel();

      const many = new Future();
      many.addDoneCallback(first_cb);
      for (let i = 0; i < 8; i++) many.addDoneCallback(_fakefunc);
      many.addDoneCallback(last_cb);
      assert.match(
        String(many),
        new RegExp(`^<Future pending cb=\\[${cb("first_cb")}, <8 more>, ${cb("last_cb")}\\]>$`),
      );
      many.cancel();
      assert.equal(String(many), "<Future cancelled>");
    });
  });

  // Ported from test_futures.py: BaseFutureTests.test_future_repr (debug on) (CPython 3.13)
  it("in debug mode, says where it was created", async () => {
    await runVirtual(
      async () => {
        const f = new Future();
        assert.match(String(f), /^<Future pending created at .*futures\.test\.[jt]s:\d+(:\d+)?\)?>$/);
        f.cancel();
      },
      { debug: true },
    );
  });
});

describe("Future: done callbacks", () => {
  const makeCallback =
    (bag: unknown[], thing: unknown) =>
    (_future: Future<unknown>): void => {
      bag.push(thing);
    };

  // Ported from test_futures.py: BaseFutureDoneCallbackTests.test_callbacks_remove_first_callback (CPython 3.13)
  it("removing the first callback (twice) leaves the others, in order", async () => {
    await runVirtual(async () => {
      const bag: number[] = [];
      const f = new Future<string>();
      const cb1 = makeCallback(bag, 42);
      const cb2 = makeCallback(bag, 17);
      const cb3 = makeCallback(bag, 100);
      f.addDoneCallback(cb1);
      f.addDoneCallback(cb2);
      f.addDoneCallback(cb3);
      f.removeDoneCallback(cb1);
      f.removeDoneCallback(cb1);
      assert.deepEqual(bag, []);
      f.setResult("foo");
      await runBriefly();
      assert.deepEqual(bag, [17, 100]);
      assert.equal(f.result(), "foo");
    });
  });

  // Ported from test_futures.py: BaseFutureDoneCallbackTests.test_callbacks_remove_first_and_second_callback (CPython 3.13)
  it("removing the first and second callbacks leaves the third", async () => {
    await runVirtual(async () => {
      const bag: number[] = [];
      const f = new Future<string>();
      const cb1 = makeCallback(bag, 42);
      const cb2 = makeCallback(bag, 17);
      const cb3 = makeCallback(bag, 100);
      f.addDoneCallback(cb1);
      f.addDoneCallback(cb2);
      f.addDoneCallback(cb3);
      f.removeDoneCallback(cb1);
      f.removeDoneCallback(cb2);
      f.removeDoneCallback(cb1);
      assert.deepEqual(bag, []);
      f.setResult("foo");
      await runBriefly();
      assert.deepEqual(bag, [100]);
      assert.equal(f.result(), "foo");
    });
  });

  // Ported from test_futures.py: BaseFutureDoneCallbackTests.test_callbacks_remove_third_callback (CPython 3.13)
  it("removing the third callback (twice) leaves the first two, in order", async () => {
    await runVirtual(async () => {
      const bag: number[] = [];
      const f = new Future<string>();
      const cb1 = makeCallback(bag, 42);
      const cb2 = makeCallback(bag, 17);
      const cb3 = makeCallback(bag, 100);
      f.addDoneCallback(cb1);
      f.addDoneCallback(cb2);
      f.addDoneCallback(cb3);
      f.removeDoneCallback(cb3);
      f.removeDoneCallback(cb3);
      assert.deepEqual(bag, []);
      f.setResult("foo");
      await runBriefly();
      assert.deepEqual(bag, [42, 17]);
      assert.equal(f.result(), "foo");
    });
  });

  // Ported from test_futures.py: BaseFutureDoneCallbackTests.test_callbacks_invoked_on_set_result (CPython 3.13)
  it("calls callbacks in the order added, on a later loop turn, after setResult()", async () => {
    await runVirtual(async () => {
      const bag: number[] = [];
      const f = new Future<string>();
      f.addDoneCallback(makeCallback(bag, 42));
      f.addDoneCallback(makeCallback(bag, 17));
      assert.deepEqual(bag, []);
      f.setResult("foo");
      assert.deepEqual(bag, []);
      await runBriefly();
      assert.deepEqual(bag, [42, 17]);
      assert.equal(f.result(), "foo");
    });
  });

  // Ported from test_futures.py: BaseFutureDoneCallbackTests.test_callbacks_invoked_on_set_exception (CPython 3.13)
  it("calls callbacks after setException()", async () => {
    await runVirtual(async () => {
      const bag: number[] = [];
      const f = new Future();
      f.addDoneCallback(makeCallback(bag, 100));
      assert.deepEqual(bag, []);
      const exc = new Error();
      f.setException(exc);
      await runBriefly();
      assert.deepEqual(bag, [100]);
      assert.equal(f.exception(), exc);
    });
  });

  it("calls a callback added after completion on a later loop turn, with the Future", async () => {
    await runVirtual(async () => {
      const seen: unknown[] = [];
      const f = new Future<number>();
      f.setResult(1);
      f.addDoneCallback((fut) => seen.push(fut));
      assert.deepEqual(seen, []);
      await runBriefly();
      assert.equal(seen.length, 1);
      assert.equal(seen[0], f);
    });
  });

  // Ported from test_futures.py: BaseFutureDoneCallbackTests.test_remove_done_callback (CPython 3.13)
  it("removeDoneCallback() removes every registration and returns how many", async () => {
    await runVirtual(async () => {
      const bag: number[] = [];
      const f = new Future<string>();
      const cb1 = makeCallback(bag, 1);
      const cb2 = makeCallback(bag, 2);
      const cb3 = makeCallback(bag, 3);
      f.addDoneCallback(cb1);
      f.addDoneCallback(cb2);
      assert.equal(f.removeDoneCallback(cb2), 1);
      assert.equal(f.removeDoneCallback(cb3), 0);
      f.addDoneCallback(cb2);
      for (let i = 0; i < 5; i++) f.addDoneCallback(cb1);
      assert.equal(f.removeDoneCallback(cb1), 6);
      assert.deepEqual(bag, []);
      f.setResult("foo");
      await runBriefly();
      assert.deepEqual(bag, [2]);
      assert.equal(f.result(), "foo");
    });
  });

  // Ported from test_futures.py: BaseFutureDoneCallbackTests.test_schedule_callbacks_list_mutation_1 (CPython 3.13)
  it("a callback removing later ones while they run does not stop them (the list was taken at completion)", async () => {
    await runVirtual(async () => {
      const bag: string[] = [];
      const cb = (): void => {
        bag.push("cb");
      };
      const mut = (f: Future<number>): void => {
        bag.push("mut");
        f.removeDoneCallback(cb);
      };
      const f = new Future<number>();
      f.addDoneCallback(mut);
      f.addDoneCallback(cb);
      f.addDoneCallback(cb);
      f.setResult(1);
      await runBriefly();
      assert.deepEqual(bag, ["mut", "cb", "cb"]);
    });
  });

  it("an error thrown by a callback goes to the loop's exception handler; later callbacks still run", async () => {
    await runVirtual(async () => {
      const calls = recordExceptionHandler();
      const bag: string[] = [];
      const boom = new Error("boom");
      const f = new Future<number>();
      f.addDoneCallback(function failing() {
        throw boom;
      });
      f.addDoneCallback(() => bag.push("after"));
      f.setResult(1);
      await runBriefly();
      assert.deepEqual(bag, ["after"]);
      assert.equal(calls.length, 1);
      assert.equal(calls[0]!.exception, boom);
      // CPython 3.13 shows a callback's arguments only in debug mode.
      assert.equal(calls[0]!.message, "Exception in callback failing()");
    });
  });

  it("in debug mode, the report of a failing callback shows the Future it was called with, as CPython 3.13", async () => {
    await runVirtual(
      async () => {
        const calls = recordExceptionHandler();
        const f = new Future<number>();
        f.addDoneCallback(function failing() {
          throw new Error("boom");
        });
        f.setResult(1);
        await runBriefly();
        assert.equal(calls.length, 1);
        assert.match(calls[0]!.message, /^Exception in callback failing\(<Future finished result=1/);
      },
      { debug: true },
    );
  });
});

describe('Future: "Future exception was never retrieved"', () => {
  const reports = runAndCollectReports;

  // Ported from test_futures.py: BaseFutureTests.test_future_exception_never_retrieved (CPython 3.13)
  it("an exception nobody read is reported to the loop's exception handler", async () => {
    const exc = new Error("boom");
    const calls = await reports(async () => {
      new Future().setException(exc);
      await runBriefly();
    });
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.message, "Future exception was never retrieved");
    assert.equal(calls[0]!.exception, exc);
  });

  // Ported from test_futures.py: BaseFutureTests.test_future_exception_never_retrieved_debug (CPython 3.13)
  it("is reported in debug mode too", async () => {
    const exc = new Error("boom");
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown): void => {
      rejections.push(reason);
    };
    process.on("unhandledRejection", onRejection);
    let calls: ExceptionContext[] = [];
    try {
      await runVirtual(
        async () => {
          calls = recordExceptionHandler();
          new Future().setException(exc);
          await runBriefly();
        },
        { debug: true },
      );
      await new Promise<void>((resolve) => setImmediate(resolve));
    } finally {
      process.off("unhandledRejection", onRejection);
    }
    assert.deepEqual(rejections, []);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.message, "Future exception was never retrieved");
    assert.equal(calls[0]!.exception, exc);
  });

  // Ported from test_futures.py: BaseFutureTests.test_tb_logger_abandoned (CPython 3.13)
  it("a pending Future dropped is not reported", async () => {
    const calls = await reports(async () => {
      new Future();
    });
    assert.deepEqual(calls, []);
  });

  // Ported from test_futures.py: BaseFutureTests.test_tb_logger_not_called_after_cancel (CPython 3.13)
  it("calling cancel() on it afterwards counts as handling it: not reported", async () => {
    const calls = await reports(async () => {
      const fut = new Future();
      fut.setException(new Error());
      assert.equal(fut.cancel(), false);
    });
    assert.deepEqual(calls, []);
  });

  // Ported from test_futures.py: BaseFutureTests.test_tb_logger_result_unretrieved (CPython 3.13)
  it("a result nobody read is not reported", async () => {
    const calls = await reports(async () => {
      new Future().setResult(42);
    });
    assert.deepEqual(calls, []);
  });

  // Ported from test_futures.py: BaseFutureTests.test_tb_logger_result_retrieved (CPython 3.13)
  it("a result read is not reported", async () => {
    const calls = await reports(async () => {
      const fut = new Future<number>();
      fut.setResult(42);
      fut.result();
    });
    assert.deepEqual(calls, []);
  });

  // Ported from test_futures.py: BaseFutureTests.test_tb_logger_exception_retrieved (CPython 3.13)
  it("an exception read with exception() is not reported", async () => {
    const calls = await reports(async () => {
      const fut = new Future();
      fut.setException(new Error("boom"));
      fut.exception();
    });
    assert.deepEqual(calls, []);
  });

  // Ported from test_futures.py: BaseFutureTests.test_tb_logger_exception_result_retrieved (CPython 3.13)
  it("an exception thrown by result() is not reported", async () => {
    const calls = await reports(async () => {
      const fut = new Future();
      fut.setException(new Error("boom"));
      assert.throws(() => fut.result(), /boom/);
    });
    assert.deepEqual(calls, []);
  });

  it("an exception received by await is not reported", async () => {
    const calls = await reports(async () => {
      const fut = new Future();
      fut.setException(new Error("boom"));
      await assert.rejects(async () => {
        await fut;
      }, /boom/);
    });
    assert.deepEqual(calls, []);
  });
});
