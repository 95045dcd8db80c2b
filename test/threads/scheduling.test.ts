/**
 * A job never waits while another worker could run it (issue 7, part 1).
 *
 * In CPython's ThreadPoolExecutor every idle thread takes the next job from
 * one shared queue, so a long job delays nobody else. The pool here queues
 * jobs at busy workers during a burst (several per message); a job queued at
 * a worker whose current job runs for a long time (one that ignores its
 * task's cancellation, say) must still move to the first worker that becomes
 * idle, or to a new one while the pool has room.
 *
 * The blocking job waits on shared memory until the test releases it, so a
 * job stuck behind it would wait forever: a watchdog turns that into a
 * failure naming the jobs that still waited, and releases the blocker so the
 * pool can shut down. Nothing here measures time. The seeded soak of faults
 * is in scheduling-soak.test.ts.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { CancelledError, type Task, ThreadPoolExecutor, createTask, run, toThread } from "asyncio-ts";
import {
  FINISHED,
  RELEASED,
  STARTED,
  blockUntilReleased,
  newGates,
  outcomeOf,
  release,
  show,
  until,
  watchdog,
} from "../support/blocking-jobs.js";

// Generous: the jobs here take milliseconds. Only a job that waits behind
// the blocked worker, which is not released while it waits, gets near it.
// (Three of these in a row stay within Node 20's 2 minutes for the file.)
const WATCHDOG_SECONDS = 20;
// The default pool's size, as ThreadPoolExecutor computes it (CPython's).
const DEFAULT_MAX_WORKERS = Math.min(32, availableParallelism() + 4);

const small = (x: number): number => x * 2 + 1;

/** A promise's state as it goes: for "is the blocker still pending?". */
function observe<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let settled = false;
  const settle = (): void => {
    settled = true;
  };
  promise.then(settle, settle);
  return { promise, settled: () => settled };
}

/**
 * The burst (`small(i)` for job i) all finishes, with the right results,
 * while the blocking job at `gate` has not been released; then the blocker
 * is released and finishes too. When the watchdog expires, the blocker is
 * released and the failure names the jobs still waiting.
 */
async function assertBurstPassesBlocker(
  where: string,
  gate: Int32Array,
  burst: Promise<number>[],
  blocker: { promise: Promise<unknown>; settled: () => boolean } | undefined,
): Promise<void> {
  const waiting = new Set(burst.map((_, i) => i));
  const outcomes = Promise.allSettled(burst.map((p, i) => p.finally(() => waiting.delete(i))));
  const settled = await watchdog(outcomes, WATCHDOG_SECONDS, () => {
    const stuck = [...waiting];
    release(gate);
    return (
      `${where}: ${stuck.length} of the ${burst.length} small jobs were still waiting after ${WATCHDOG_SECONDS} s ` +
      `while one worker was blocked by a job that does not return (jobs ${stuck.join(", ")}); ` +
      `the blocking job ${Atomics.load(gate, STARTED) === 1 ? "had started" : "had not started"}. ` +
      `They waited behind the busy worker instead of running on a worker that was idle or could be started: ` +
      `the pool must take back the jobs a busy worker has not started`
    );
  });
  const wrong = settled.flatMap((o, i) =>
    o.status === "fulfilled" && o.value === small(i)
      ? []
      : [
          `job ${i}: expected ${small(i)}, got ${o.status === "fulfilled" ? show(o.value) : `the rejection ${show(o.reason)}`}`,
        ],
  );
  assert.deepEqual(wrong, [], `${where}: small jobs ended wrongly`);
  assert.equal(Atomics.load(gate, RELEASED), 0);
  if (blocker !== undefined)
    assert.equal(blocker.settled(), false, `${where}: the blocking job settled before it was released`);
  // The blocker holds its worker: it started (or starts now) and still waits.
  await until(
    () => Atomics.load(gate, STARTED) === 1,
    WATCHDOG_SECONDS,
    () => `${where}: the blocking job never started`,
    () => release(gate),
  );
  assert.equal(Atomics.load(gate, FINISHED), 0, `${where}: the blocking job finished before it was released`);
  release(gate);
  if (blocker !== undefined) {
    assert.equal(
      await watchdog(
        blocker.promise,
        WATCHDOG_SECONDS,
        () => `${where}: the blocking job did not finish once released`,
      ),
      "blocker 0 released",
    );
  }
  await until(
    () => Atomics.load(gate, FINISHED) === 1,
    WATCHDOG_SECONDS,
    () => `${where}: the blocking job did not finish once released`,
  );
}

describe("a job never waits behind a busy worker while another could run it", () => {
  it("ThreadPoolExecutor({ maxWorkers: 2 }): a burst submitted in the same tick after a blocking job all runs on the other worker while the blocker blocks", async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const gate = newGates();
    try {
      const blocker = observe(pool.submit(blockUntilReleased, gate, 0));
      // 40 jobs in the same tick: more than the workers, so some are queued
      // at the worker that got the blocker.
      const burst = Array.from({ length: 40 }, (_, i) => pool.submit(small, i));
      await assertBurstPassesBlocker("ThreadPoolExecutor({ maxWorkers: 2 })", gate, burst, blocker);
      // The pool goes on with both workers.
      assert.deepEqual(await Promise.all([pool.submit(small, 1), pool.submit(small, 2)]), [3, 5]);
    } finally {
      release(gate);
      await pool.shutdown();
    }
    assert.equal(pool.threadCount, 0);
  });

  it("the default pool (toThread in run()): a burst submitted in the same tick after a blocking job all runs while the blocker blocks", async () => {
    const gate = newGates();
    // Enough jobs, for the pool's size on this machine, that some are queued
    // at the worker that got the blocker.
    const count = Math.max(40, 4 * DEFAULT_MAX_WORKERS);
    await run(async () => {
      try {
        const blocker = observe(outcomeOf(toThread(blockUntilReleased, gate, 0)));
        const burst = Array.from({ length: count }, (_, i) => outcomeOf(toThread(small, i)));
        await assertBurstPassesBlocker(`the default pool (${DEFAULT_MAX_WORKERS} workers)`, gate, burst, blocker);
      } finally {
        release(gate);
      }
    });
  });

  it("the issue's report: a task whose job ignores its cancellation, then 200 jobs: all 200 finish while the cancelled job still runs", async () => {
    const gate = newGates();
    // 200 jobs: more than twice the default pool's workers (32 at most),
    // so some are queued at the worker that runs the cancelled job.
    const count = 200;
    await run(async () => {
      try {
        const task: Task<string> = createTask(() => toThread(blockUntilReleased, gate, 0));
        await until(
          () => Atomics.load(gate, STARTED) === 1,
          WATCHDOG_SECONDS,
          () => "the job that ignores its cancellation never started",
          () => release(gate),
        );
        task.cancel();
        await assert.rejects(Promise.resolve(task), CancelledError);
        assert.equal(task.cancelled(), true);
        // The job goes on in its worker, its result to be dropped; the next
        // jobs must not wait for it.
        const burst = Array.from({ length: count }, (_, i) => outcomeOf(toThread(small, i)));
        await assertBurstPassesBlocker(
          `the default pool (${DEFAULT_MAX_WORKERS} workers), after task.cancel()`,
          gate,
          burst,
          undefined,
        );
        assert.equal(await toThread(small, 20), 41);
      } finally {
        release(gate);
      }
    });
  });
});
