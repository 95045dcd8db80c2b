/**
 * Debug mode puts creation sites into the exception handler's context, as
 * CPython's `source_traceback`: for "Task exception was never retrieved" and
 * for a failing callback.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ExceptionContext, createTask, getRunningLoop, run, sleep } from "asyncio-ts";

async function reportsOf(debug: boolean): Promise<ExceptionContext[]> {
  const reports: ExceptionContext[] = [];
  await run(
    async () => {
      const loop = getRunningLoop();
      loop.setExceptionHandler((_loop, context) => reports.push(context));
      createTask(async function failsUnread() {
        throw new RangeError("nobody reads this");
      });
      loop.callSoon(function failingCallback() {
        throw new TypeError("in a callback");
      });
      await sleep(0);
      await sleep(0);
    },
    { debug },
  );
  return reports;
}

describe("debug mode: sourceTraceback in exception contexts", () => {
  it("names where the unread Task and the failing callback were made", async () => {
    const reports = await reportsOf(true);
    const byMessage = new Map(reports.map((r) => [r.message, r]));
    const callback = byMessage.get("Exception in callback failingCallback()");
    const unread = byMessage.get("Task exception was never retrieved");
    assert.ok(callback && unread, `reports: ${reports.map((r) => r.message).join("; ")}`);
    assert.match(callback.sourceTraceback ?? "", /source-traceback\.test\./);
    assert.match(unread.sourceTraceback ?? "", /source-traceback\.test\./);
  });

  it("adds nothing outside debug mode", async () => {
    const reports = await reportsOf(false);
    assert.equal(reports.length, 2);
    for (const r of reports) assert.equal("sourceTraceback" in r, false);
  });
});
