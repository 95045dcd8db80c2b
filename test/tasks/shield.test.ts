import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  Future,
  RuntimeError,
  createTask,
  gather,
  getRunningLoop,
  shield,
  sleep,
  type ExceptionContext,
} from "asyncio-ts";
import { runVirtual } from "../support/virtual-loop.js";

// One loop turn; CPython's tests call test_utils.run_briefly(loop) here.
const runBriefly = async (): Promise<void> => {
  await sleep(0);
};

describe("shield()", () => {
  // Ported from test_tasks.py: BaseTaskTests.test_shield_result (CPython 3.13)
  it("resolves to the inner Future's result", async () => {
    await runVirtual(async () => {
      const inner = new Future<number>();
      const outer = shield(inner);
      inner.setResult(42);
      assert.equal(await outer, 42);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_shield_exception (CPython 3.13)
  it("takes the inner Future's exception", async () => {
    await runVirtual(async () => {
      const inner = new Future<void>();
      const outer = shield(inner);
      await runBriefly();
      const exc = new RuntimeError("expected");
      inner.setException(exc);
      await runBriefly();
      assert.equal(outer.exception(), exc);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_shield_cancel_inner (CPython 3.13)
  it("is cancelled when the inner Future is cancelled", async () => {
    await runVirtual(async () => {
      const inner = new Future<void>();
      const outer = shield(inner);
      await runBriefly();
      inner.cancel();
      await runBriefly();
      assert.equal(outer.cancelled(), true);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_shield_cancel_outer (CPython 3.13)
  it("cancelling the shield leaves the inner Future pending", async () => {
    await runVirtual(async () => {
      const calls: ExceptionContext[] = [];
      getRunningLoop().setExceptionHandler((_loop, context) => calls.push(context));
      const inner = new Future<number>();
      const outer = shield(inner);
      await runBriefly();
      outer.cancel();
      await runBriefly();
      assert.equal(outer.cancelled(), true);
      assert.equal(inner.done(), false);
      inner.setResult(1);
      await runBriefly();
      assert.equal(outer.cancelled(), true);
      assert.deepEqual(calls, []);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_shield_shortcut (CPython 3.13)
  it("of a done Future returns that Future itself", async () => {
    await runVirtual(async () => {
      const fut = new Future<number>();
      fut.setResult(42);
      const shielded = shield(fut);
      assert.equal(shielded, fut);
      assert.equal(await shielded, 42);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_shield_effect (CPython 3.13)
  it("cancelling the task awaiting shield(inner) does not affect inner", async () => {
    await runVirtual(async () => {
      let proof = 0;
      const waiter = new Future<void>();
      const inner = async (): Promise<void> => {
        await waiter;
        proof += 1;
      };
      const outer = async (): Promise<void> => {
        await shield(inner);
        proof += 100;
      };
      const f = createTask(outer);
      await runBriefly();
      f.cancel();
      await assert.rejects(async () => {
        await f;
      }, CancelledError);
      waiter.setResult();
      await runBriefly();
      assert.equal(proof, 1);
    });
  });

  it("the task awaiting shield(task) gets CancelledError at once; the shielded task runs to its end", async () => {
    // Python prints the same trace for the same program (work/caller/main).
    const trace: string[] = [];
    await runVirtual(async () => {
      const at = (s: string): void => {
        trace.push(`${s}@${getRunningLoop().time()}`);
      };
      const inner = createTask(async () => {
        at("work start");
        await sleep(1);
        at("work done");
        return "saved";
      });
      const caller = createTask(async () => {
        try {
          return await shield(inner);
        } catch (err) {
          if (err instanceof CancelledError) at("caller cancelled");
          throw err;
        }
      });
      await sleep(0.5);
      caller.cancel();
      try {
        await caller;
      } catch (err) {
        if (err instanceof CancelledError) at("caller task cancelled");
        else throw err;
      }
      at(await inner);
    });
    assert.deepEqual(trace, [
      "work start@0",
      "caller cancelled@0.5",
      "caller task cancelled@0.5",
      "work done@1",
      "saved@1",
    ]);
  });

  it("an inner exception arriving after the shield was cancelled is reported as never retrieved (as in CPython)", async () => {
    const calls: ExceptionContext[] = [];
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown): void => {
      rejections.push(reason);
    };
    process.on("unhandledRejection", onRejection);
    const exc = new Error("x");
    try {
      await runVirtual(async () => {
        getRunningLoop().setExceptionHandler((_loop, context) => calls.push(context));
        const inner = new Future<void>();
        const outer = shield(inner);
        outer.cancel();
        await runBriefly();
        inner.setException(exc);
        await runBriefly();
      });
      await new Promise<void>((resolve) => setImmediate(resolve));
    } finally {
      process.off("unhandledRejection", onRejection);
    }
    assert.deepEqual(rejections, []);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.message, "Future exception was never retrieved");
    assert.equal(calls[0]!.exception, exc);
  });

  // Ported from test_tasks.py: BaseTaskTests.test_shield_gather (CPython 3.13)
  it("cancelling shield(gather(...)) leaves the gather running", async () => {
    await runVirtual(async () => {
      const child1 = new Future<number>();
      const child2 = new Future<number>();
      const parent = gather(child1, child2);
      const outer = shield(parent);
      await runBriefly();
      outer.cancel();
      await runBriefly();
      assert.equal(outer.cancelled(), true);
      child1.setResult(1);
      child2.setResult(2);
      await runBriefly();
      assert.deepEqual(parent.result(), [1, 2]);
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_gather_shield (CPython 3.13)
  it("cancelling gather(shield(a), shield(b)) cancels the shields, not a and b", async () => {
    await runVirtual(async () => {
      const child1 = new Future<number>();
      const child2 = new Future<number>();
      const inner1 = shield(child1);
      const inner2 = shield(child2);
      const parent = gather(inner1, inner2);
      await runBriefly();
      parent.cancel();
      // This should cancel inner1 and inner2 but not child1 and child2.
      await runBriefly();
      assert.ok(parent.exception() instanceof CancelledError);
      assert.equal(inner1.cancelled(), true);
      assert.equal(inner2.cancelled(), true);
      assert.equal(child1.cancelled(), false);
      assert.equal(child2.cancelled(), false);
      child1.setResult(1);
      child2.setResult(2);
      await runBriefly();
    });
  });

  // Ported from test_tasks.py: BaseTaskTests.test_shield_coroutine_without_loop (CPython 3.13)
  it("outside a running loop throws RuntimeError", () => {
    let started = false;
    assert.throws(
      () =>
        shield(async () => {
          started = true;
          return 42;
        }),
      (err: unknown) => err instanceof RuntimeError && /no running event loop/.test(err.message),
    );
    assert.equal(started, false);
  });

  // Ported from test_tasks.py: BaseTaskTests.test_shield_coroutine_use_running_loop (CPython 3.13)
  it("of an async function runs it as a task of the running loop", async () => {
    await runVirtual(async () => {
      const outer = shield(async () => 42);
      assert.equal(outer.getLoop(), getRunningLoop());
      assert.equal(await outer, 42);
    });
  });
});
