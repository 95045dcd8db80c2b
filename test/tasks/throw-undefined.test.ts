/**
 * JavaScript throws any value, undefined included; CPython cannot raise
 * None. A task whose body throws `undefined` failed, although its
 * `exception()` is undefined: the combinators tell failure by the Future's
 * state, not by `exception() !== undefined` (which once made gather and
 * asCompleted hang on such a task, and wait(FIRST_EXCEPTION) miss it).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FIRST_EXCEPTION, asCompleted, createTask, gather, run, shield, sleep, wait } from "asyncio-ts";
import { runVirtual } from "../support/virtual-loop.js";
import { runAndCollectReports } from "../support/reports.js";

const throwsUndefined = async (): Promise<number> => {
  await sleep(0);
  throw undefined;
};

async function outcome(p: PromiseLike<unknown>): Promise<unknown[]> {
  try {
    return ["resolved", await p];
  } catch (err) {
    return ["rejected", err];
  }
}

describe("a task that throws undefined", { timeout: 20_000 }, () => {
  it("result() throws undefined and exception() is undefined, as the thrown value", async () => {
    await runVirtual(async () => {
      const task = createTask(throwsUndefined);
      assert.deepEqual(await outcome(task), ["rejected", undefined]);
      assert.throws(
        () => task.result(),
        (err: unknown) => err === undefined,
      );
      assert.equal(task.exception(), undefined);
    });
  });

  it("gather() rejects with undefined; with returnExceptions, undefined is its result", async () => {
    await runVirtual(async () => {
      assert.deepEqual(await outcome(gather(throwsUndefined, async () => 1)), ["rejected", undefined]);
      assert.deepEqual(await gather(throwsUndefined, async () => 1, { returnExceptions: true }), [undefined, 1]);
    });
  });

  it("wait(FIRST_EXCEPTION) returns when it fails", async () => {
    await runVirtual(async () => {
      const failing = createTask(throwsUndefined);
      const slow = createTask(() => sleep(10));
      const [done, pending] = await wait([failing, slow], { returnWhen: FIRST_EXCEPTION });
      assert.deepEqual([[...done], [...pending]], [[failing], [slow]]);
      slow.cancel();
    });
  });

  it("asCompleted() gives its failure in both forms of iteration", async () => {
    await runVirtual(async () => {
      const got: unknown[] = [];
      for (const next of asCompleted([throwsUndefined, async () => 2])) got.push(await outcome(next));
      // In completion order: the failing one awaits sleep(0) first.
      assert.deepEqual(got, [
        ["resolved", 2],
        ["rejected", undefined],
      ]);
      const done: unknown[] = [];
      for await (const fut of asCompleted([throwsUndefined])) {
        try {
          done.push(["resolved", fut.result()]);
        } catch (err) {
          done.push(["rejected", err]);
        }
      }
      assert.deepEqual(done, [["rejected", undefined]]);
    });
  });

  it("shield() passes the failure on", async () => {
    await runVirtual(async () => {
      assert.deepEqual(await outcome(shield(createTask(throwsUndefined))), ["rejected", undefined]);
    });
  });

  it("left running when run() ends, its failure is reported to the exception handler", async () => {
    const reports = await runAndCollectReports(async () => {
      createTask(async () => {
        try {
          await sleep(10);
        } finally {
          // Cancelled at shutdown, it throws undefined instead of CancelledError.
          throw undefined;
        }
      });
      await sleep(0);
    });
    assert.deepEqual(
      reports.map((r) => [r.message, r.exception]),
      [["unhandled exception during asyncio.run() shutdown", undefined]],
    );
  });

  it("is the same when run() itself awaits it", async () => {
    assert.deepEqual(await outcome(run(throwsUndefined)), ["rejected", undefined]);
  });
});
