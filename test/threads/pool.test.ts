/**
 * How many workers the pool starts, jobs taken back before they start, and
 * a worker that crashes between jobs.
 *
 * A job that finds no idle worker starts one at once while the pool has
 * fewer workers than cores; beyond that, more start only when the busy ones
 * are blocked (not computing), up to maxWorkers. Cancelling a job that
 * waits at a busy worker takes it back: it never runs.
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { ThreadPoolExecutor, run, toThread, createTask, sleep } from "asyncio-ts";

const pools: ThreadPoolExecutor[] = [];
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.shutdown({ timeout: 5 });
});

// Each call counts itself in, then waits until `n` calls are in at once.
// They can only all return "met" if n workers run them at the same time.
function meet(s: Int32Array, n: number): string {
  Atomics.add(s, 0, 1);
  Atomics.notify(s, 0);
  const deadline = Date.now() + 30_000;
  while (Atomics.load(s, 0) < n) {
    if (Date.now() > deadline) return `alone (${Atomics.load(s, 0)} of ${n} met)`;
    Atomics.wait(s, 0, Atomics.load(s, 0), 100);
  }
  return "met";
}

describe("the pool's size", () => {
  it("runs as many blocking jobs at once as maxWorkers, more than the cores: blocked workers get company", async () => {
    const maxWorkers = availableParallelism() + 2;
    const pool = new ThreadPoolExecutor({ maxWorkers });
    pools.push(pool);
    const s = new Int32Array(new SharedArrayBuffer(4));
    const results = await Promise.all(Array.from({ length: maxWorkers }, () => pool.submit(meet, s, maxWorkers)));
    assert.deepEqual(results, Array(maxWorkers).fill("met"));
    assert.equal(pool.threadCount, maxWorkers);
  });

  it("does the same for toThread on the default pool", async () => {
    const results = await run(async () => {
      const n = Math.min(32, availableParallelism() + 4); // The default maxWorkers.
      const s = new Int32Array(new SharedArrayBuffer(4));
      return Promise.all(Array.from({ length: n }, () => toThread(meet, s, n)));
    });
    assert.ok(results.length > availableParallelism());
    assert.deepEqual(new Set(results), new Set(["met"]));
  });

  it("starts one worker a job at once, up to the cores, when none is idle", async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 32 });
    pools.push(pool);
    const n = Math.min(availableParallelism(), 32);
    const s = new Int32Array(new SharedArrayBuffer(4));
    const calls = Array.from({ length: n }, () => pool.submit(meet, s, n));
    assert.equal(pool.threadCount, n); // Started as the calls were made, not later.
    assert.deepEqual(await Promise.all(calls), Array(n).fill("met"));
  });
});

describe("a job cancelled while it waits at a busy worker", () => {
  it("is taken back and never runs; the jobs queued with it still run, in order", async () => {
    // One worker, blocked by the first job; the others queue at it (a
    // burst). The awaiting task of one of them is cancelled before the
    // worker is released.
    const ran = await run(async () => {
      const log = new Int32Array(new SharedArrayBuffer(4 * 64)); // [released, count, ids...]
      const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
      pools.push(pool);
      const loop = (await import("asyncio-ts")).getRunningLoop();
      const blocker = loop.runInExecutor(
        pool,
        (l: Int32Array) => {
          Atomics.wait(l, 0, 0, 30_000);
          return "released";
        },
        log,
      );
      const record = (l: Int32Array, id: number): number => {
        l[2 + Atomics.add(l, 1, 1)] = id;
        return id;
      };
      const jobs = Array.from({ length: 10 }, (_, id) => createTask(loop.runInExecutor(pool, record, log, id)));
      await sleep(0); // The tasks start waiting on their jobs.
      jobs[4]!.cancel();
      await sleep(0);
      Atomics.store(log, 0, 1);
      Atomics.notify(log, 0);
      assert.equal(await blocker, "released");
      const outcomes = await Promise.allSettled(jobs);
      assert.equal(outcomes[4]!.status, "rejected");
      return Array.from(log.subarray(2, 2 + Atomics.load(log, 1)));
    });
    assert.deepEqual(ran, [0, 1, 2, 3, 5, 6, 7, 8, 9]);
  });
});

describe("a worker thread that crashes between jobs", () => {
  it("says what crashed it and that no job was lost, and the pool goes on", async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    pools.push(pool);
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => {
      const text = String(chunk);
      if (text.startsWith("asyncio-ts:")) lines.push(text);
      else write.call(process.stderr, chunk);
      return true;
    }) as typeof process.stderr.write;
    try {
      // The job returns, and leaves behind a timer that throws in the worker.
      const leftBehind = (): string => {
        setTimeout(() => {
          throw new Error("a timer went off after its job");
        }, 0);
        return "returned";
      };
      assert.equal(await pool.submit(leftBehind), "returned");
      const deadline = Date.now() + 30_000;
      while (lines.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    } finally {
      process.stderr.write = write;
    }
    assert.deepEqual(lines, [
      "asyncio-ts: a worker thread crashed between jobs (a timer went off after its job), from a timer or promise " +
        "that an earlier job left behind; no job was waiting at it\n",
    ]);
    assert.equal(await pool.submit((x: number) => x * 2, 21), 42);
  });
});
