/**
 * What reaches the loop's exception handler during a run, for the tests of
 * "exception was never retrieved" reports.
 */
import assert from "node:assert/strict";
import { getRunningLoop, type ExceptionContext } from "asyncio-ts";
import { runVirtual } from "./virtual-loop.js";

/** The loop's exception handler calls, recorded from inside a run. */
export function recordExceptionHandler(): ExceptionContext[] {
  const calls: ExceptionContext[] = [];
  getRunningLoop().setExceptionHandler((_loop, context) => calls.push(context));
  return calls;
}

/**
 * Runs `main` on a virtual clock and returns what reached the loop's
 * exception handler (reports of never-retrieved exceptions come when the
 * object is collected, or when the loop closes at the latest); fails on any
 * unhandled rejection meanwhile.
 */
export async function runAndCollectReports(main: () => Promise<void>): Promise<ExceptionContext[]> {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    rejections.push(reason);
  };
  process.on("unhandledRejection", onRejection);
  let calls: ExceptionContext[] = [];
  try {
    await runVirtual(async () => {
      calls = recordExceptionHandler();
      await main();
    });
    // Unhandled rejections are reported after the microtasks of a macrotask.
    await new Promise<void>((resolve) => setImmediate(resolve));
  } finally {
    process.off("unhandledRejection", onRejection);
  }
  assert.deepEqual(rejections, []);
  return calls;
}
