/**
 * "Task was destroyed but it is pending!": a task still pending when its
 * loop closes never runs again. CPython reports it when the task is
 * collected; asyncio-ts's loop holds its tasks until they are done, so it
 * reports them when it closes.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  EventLoop,
  type ExceptionContext,
  Future,
  type Task,
  createTask,
  ensureFuture,
  getRunningLoop,
  run,
  sleep,
} from "asyncio-ts";

describe('"Task was destroyed but it is pending!"', () => {
  // Ported from test_tasks.py: BaseTaskTests.test_log_destroyed_pending_task (CPython 3.13)
  // CPython drops the last reference to the task and collects it; here the
  // loop closes with the task still waiting, which is when it is lost.
  it("is reported for each task still pending when the loop closes, with its creation site in debug mode", async () => {
    for (const debug of [true, false]) {
      const loop = new EventLoop();
      loop.setDebug(debug);
      const reports: ExceptionContext[] = [];
      loop.setExceptionHandler((_loop, context) => reports.push(context));
      async function killMe(): Promise<void> {
        const future = new Future<void>({ loop });
        await future;
        throw new Error("code never reached");
      }
      const task = ensureFuture(killMe, { loop }) as Task<void>;
      await loop.runUntilComplete(ensureFuture(() => sleep(0), { loop }));
      assert.equal(task.done(), false);
      loop.close();
      assert.equal(reports.length, 1, "one report");
      const [report] = reports;
      assert.equal(report!.message, "Task was destroyed but it is pending!");
      assert.equal(report!.task, task);
      if (debug) {
        assert.match(report!.sourceTraceback!, /destroyed-pending\.test\.[jt]s:\d+:\d+/);
      } else {
        assert.equal("sourceTraceback" in report!, false);
      }
    }
  });

  it("is not reported by run(), which cancels the tasks left before it closes the loop", async () => {
    const reports: ExceptionContext[] = [];
    await run(async () => {
      const loop = getRunningLoop();
      loop.setExceptionHandler((_loop, context) => reports.push(context));
      createTask(() => sleep(3600));
      await sleep(0);
    });
    assert.deepEqual(reports, []);
  });
});
