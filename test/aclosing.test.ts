import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CancelledError, aclosing, createTask, sleep } from "asyncio-ts";
import { runVirtual } from "./support/virtual-loop.js";

/** An endless generator that logs when it is closed. */
function ticks(log: string[]): AsyncGenerator<number> {
  return (async function* () {
    try {
      for (let i = 0; ; i++) {
        await sleep(1);
        yield i;
      }
    } finally {
      log.push("closed");
    }
  })();
}

describe("aclosing()", () => {
  it("closes the generator when the block returns, and gives the block's value", async () => {
    const log: string[] = [];
    const first = await runVirtual(() =>
      aclosing(ticks(log), async (gen) => {
        const { value } = await gen.next();
        log.push(`got ${String(value)}`);
        return value;
      }),
    );
    assert.equal(first, 0);
    assert.deepEqual(log, ["got 0", "closed"]);
  });

  // Ported from test_contextlib_async.py: AclosingTestCase.test_aclosing_bpo41229 (CPython 3.13)
  it("closes the generator when the block throws, and lets the error through", async () => {
    const log: string[] = [];
    await runVirtual(async () => {
      await assert.rejects(
        aclosing(ticks(log), async (gen) => {
          await gen.next();
          throw new RangeError("in the block");
        }),
        RangeError,
      );
    });
    assert.deepEqual(log, ["closed"]);
  });

  it("closes the generator when the awaiting task is cancelled in the block", async () => {
    const log: string[] = [];
    await runVirtual(async () => {
      const task = createTask(() =>
        aclosing(ticks(log), async (gen) => {
          await gen.next();
          await sleep(100);
        }),
      );
      await sleep(5);
      task.cancel();
      await assert.rejects(task, CancelledError);
    });
    assert.deepEqual(log, ["closed"]);
  });

  // Ported from test_contextlib_async.py: AclosingTestCase.test_aclosing, AclosingTestCase.test_aclosing_error (CPython 3.13)
  it("calls aclose() on an object that has it, as Python's aclosing does, also when the block throws", async () => {
    const calls: string[] = [];
    const closable = {
      async aclose(): Promise<void> {
        calls.push("aclose");
      },
    };
    const value = await runVirtual(() =>
      aclosing(closable, (y) => {
        assert.equal(y, closable);
        return 42;
      }),
    );
    assert.equal(value, 42);
    assert.deepEqual(calls, ["aclose"]);
    await runVirtual(async () => {
      await assert.rejects(
        aclosing(closable, () => {
          throw new RangeError("1 / 0");
        }),
        RangeError,
      );
    });
    assert.deepEqual(calls, ["aclose", "aclose"]);
  });

  it("is lazy: nothing runs and nothing closes until it is awaited", async () => {
    const log: string[] = [];
    await runVirtual(async () => {
      const pending = aclosing(ticks(log), () => log.push("block"));
      await sleep(1);
      assert.deepEqual(log, []);
      await pending;
    });
    // The block never iterated the generator: closing one that has not
    // started runs none of its body, finally blocks included (as in Python).
    assert.deepEqual(log, ["block"]);
  });

  it("refuses what it cannot close, and a block that is not a function", () => {
    assert.throws(() => aclosing(5 as never, () => 1), {
      name: "TypeError",
      message:
        "aclosing() expects an async generator (or an object with aclose() or return()), got 5: pass the generator object, gen(), not gen",
    });
    const gen = (async function* () {})();
    assert.throws(() => aclosing(gen, "x" as never), {
      name: "TypeError",
      message: "aclosing() expects a function that uses the generator second, got 'x'",
    });
  });
});
