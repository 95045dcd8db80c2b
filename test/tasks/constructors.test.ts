/**
 * `new Task(body, { loop, name })` is public, as CPython's
 * `asyncio.Task(coro, loop=...)`, and checks its arguments; the classes that
 * only asyncio-ts makes (GatheringFuture, Handle, TimerHandle, Timeout) have
 * protected constructors (test/consumer/programs/constructors.ts checks the
 * types).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RuntimeError, Task, allTasks, getRunningLoop, run, sleep } from "asyncio-ts";

describe("new Task()", () => {
  it("runs the body on the running loop, or the one given, named as asked", async () => {
    const out = await run(async () => {
      const loop = getRunningLoop();
      const a = new Task(async () => "a", { name: "first" });
      const b = new Task(
        async () => {
          await sleep(0);
          return "b";
        },
        { loop },
      );
      assert.ok(allTasks().has(a) && allTasks().has(b));
      return [a.getName(), await a, await b];
    });
    assert.deepEqual(out, ["first", "a", "b"]);
  });

  it("refuses what is not a body, with a TypeError saying what to pass", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      assert.throws(
        () => new Task({ loop } as never),
        (err: unknown) =>
          err instanceof TypeError &&
          /^new Task\(\) expects an async function, a Coroutine or an asyncio-ts Future, got .*: pass the function itself$/.test(
            err.message,
          ),
      );
      assert.throws(
        () => new Task(Promise.resolve(1) as never),
        (err: unknown) =>
          err instanceof TypeError &&
          /pass the function instead \(new Task\(fn\), not new Task\(fn\(\)\)\)/.test(err.message),
      );
    });
  });

  it("outside a running loop, with no loop given, raises RuntimeError", () => {
    assert.throws(() => new Task(async () => 1), RuntimeError);
  });
});
