/**
 * Debug mode's "coroutine ... was never awaited" warning (CPython's
 * RuntimeWarning): a Coroutine made in debug mode and collected before it
 * ran warns, with its creation site; one that ran, or was closed, does not.
 */
import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { coroutine, createTask, run, sleep } from "asyncio-ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** The RuntimeWarnings emitted while `body` runs and its garbage is collected. */
async function warningsOf(t: TestContext, body: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (w: Error): void => {
    if (w.name === "RuntimeWarning") seen.push(w.message);
  };
  process.on("warning", listener);
  t.after(() => process.off("warning", listener));
  await body();
  // Finalizers run after a collection, on a later turn: collect until they have.
  for (let i = 0; i < 20; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return seen;
}

describe("debug mode: coroutine never awaited", () => {
  it("warns for a Coroutine collected before it ran, naming it and where it was made", async (t) => {
    const warnings = await warningsOf(t, () =>
      run(
        async () => {
          const fetchUser = coroutine(async function fetchUser() {});
          fetchUser(); // Dropped: never awaited.
          await sleep(0);
        },
        { debug: true },
      ),
    );
    assert.equal(warnings.length, 1, String(warnings));
    assert.match(
      warnings[0]!,
      /^coroutine 'fetchUser' was never awaited; it was created at (?!at ).*never-awaited\.test\./s,
    );
  });

  it("does not warn for Coroutines that ran, were made Tasks, or outside debug mode", async (t) => {
    const warnings = await warningsOf(t, async () => {
      await run(
        async () => {
          const step = coroutine(async function step() {});
          await step();
          await createTask(step());
        },
        { debug: true },
      );
      await run(async () => {
        const dropped = coroutine(async function dropped() {});
        dropped();
        await sleep(0);
      });
    });
    assert.deepEqual(warnings, []);
  });
});
