/**
 * A worker thread that cannot start fails its jobs at once, with a
 * WorkerError that says why and what to do, and the pool does not loop
 * starting workers that crash: after a failed start it waits (0.1 s, then
 * doubling) before it tries again, and fails new jobs with the same error
 * meanwhile.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ThreadPoolExecutor, WorkerError } from "asyncio-ts";

const exec = promisify(execFile);
// build/test/threads/worker-start.test.js -> the package root.
const root = fileURLToPath(new URL("../../..", import.meta.url));

interface Outcome {
  round: number;
  name?: string;
  message?: string;
  value?: unknown;
}

/** The outcomes test/fixtures/worker-start.js prints, run with these Node options and arguments. */
async function outcomes(nodeOptions: string[], args: string[]): Promise<Outcome[]> {
  const { stdout } = await exec(process.execPath, [...nodeOptions, "test/fixtures/worker-start.js", ...args], {
    cwd: root,
    timeout: 30_000,
  });
  return stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Outcome);
}

/** Every call of both rounds failed with a WorkerError whose message matches all of `patterns`. */
function assertAllFailed(all: Outcome[], patterns: RegExp[]): void {
  assert.deepEqual(
    all.map((o) => o.round),
    [1, 1, 2, 2],
  );
  for (const o of all) {
    assert.equal(o.name, "WorkerError", JSON.stringify(o));
    assert.match(o.message!, /^a worker thread could not start \(/);
    for (const p of patterns) assert.match(o.message!, p);
  }
}

describe("a worker thread that cannot start", () => {
  it("when a module preloaded with --import fails in worker threads, fails every call at once with its error and names execArgv", async () => {
    const all = await outcomes(["--import", "./test/fixtures/preload-fails-in-workers.mjs"], []);
    assertAllFailed(all, [/this preload cannot run in a worker thread/, /execArgv/]);
  });

  it("when resourceLimits leave too little memory to boot, fails the call, and fails the next one with the same error without starting another worker", async (t) => {
    // 4 MB: too little to boot on Node 20 and 24, and enough that Node 24
    // reports it instead of aborting the process (it does at 2 MB).
    const pool = new ThreadPoolExecutor({ maxWorkers: 1, resourceLimits: { maxOldGenerationSizeMb: 4 } });
    t.after(() => pool.shutdown());
    const first = await pool
      .submit(() => 1)
      .then(
        () => assert.fail("the call should fail"),
        (err: unknown) => err,
      );
    assert.ok(first instanceof WorkerError);
    assert.match(first.message, /^a worker thread could not start \(.*memory/);
    assert.match(first.message, /resourceLimits/);
    assert.equal(pool.threadCount, 0);
    // Within the back-off: the same error, and no worker started for it.
    const second = await pool
      .submit(() => 2)
      .then(
        () => assert.fail("the call should fail"),
        (err: unknown) => err,
      );
    assert.equal(second, first);
    assert.equal(pool.threadCount, 0);
  });
});
