import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  eagerTaskFactory,
  getRunningLoop,
  map,
  sleep,
  type ExceptionContext,
} from "asyncio-ts";
import { runVirtual } from "../support/virtual-loop.js";

describe("map()", () => {
  it("gives the results in the order of the items, whatever order the calls end in", async () => {
    const results = await runVirtual(() => map([3, 1, 2], async (x, i) => (await sleep(x), `${x}@${i}`)));
    assert.deepEqual(results, ["3@0", "1@1", "2@2"]);
  });

  it("runs at most `limit` calls at once, and starts the next as one ends", async () => {
    const started: [number, number][] = [];
    let running = 0;
    let most = 0;
    await runVirtual(() =>
      map(
        [4, 1, 3, 2, 1],
        async (x) => {
          started.push([x, getRunningLoop().time()]);
          most = Math.max(most, ++running);
          await sleep(x);
          running--;
        },
        { limit: 2 },
      ),
    );
    assert.equal(most, 2);
    // 4 and 1 start at 0; 3 when 1 ends (t=1); 2 when 4 ends (t=4); the last 1 when 3 ends (t=4).
    assert.deepEqual(started, [
      [4, 0],
      [1, 0],
      [3, 1],
      [2, 4],
      [1, 4],
    ]);
  });

  it("on a failure cancels the running calls, starts no more, and throws that error once they are done", async () => {
    const log: string[] = [];
    const err = await runVirtual(async () => {
      try {
        await map(
          [1, 2, 3, 4, 5],
          async (x) => {
            log.push(`start ${x}`);
            try {
              await sleep(x);
              if (x === 2) throw new Error("two failed");
            } catch (e) {
              log.push(`${x}: ${(e as Error).name}`);
              throw e;
            }
          },
          { limit: 3 },
        );
      } catch (e) {
        log.push("map threw");
        return e as Error;
      }
      throw new Error("map() did not throw");
    });
    assert.equal(err.message, "two failed");
    assert.deepEqual(log, [
      "start 1",
      "start 2",
      "start 3",
      "start 4", // room freed when 1 ended, at t=1
      "2: Error",
      "3: CancelledError",
      "4: CancelledError",
      "map threw",
    ]);
  });

  it("with returnExceptions keeps going and puts the errors among the results", async () => {
    const results = await runVirtual(() =>
      map(
        [1, 2, 3],
        async (x) => {
          await sleep(x);
          if (x === 2) throw new RangeError("bad 2");
          return x;
        },
        { limit: 1, returnExceptions: true },
      ),
    );
    assert.equal(results[0], 1);
    assert.ok(results[1] instanceof RangeError);
    assert.equal(results[2], 3);
  });

  it("cancelling the awaiting task cancels the running calls and starts no more", async () => {
    const log: string[] = [];
    await runVirtual(async () => {
      const task = createTask(() =>
        map(
          [1, 2, 3, 4],
          async (x) => {
            log.push(`start ${x}`);
            try {
              await sleep(10);
            } catch (e) {
              log.push(`${x}: ${(e as Error).name}`);
              throw e;
            }
          },
          { limit: 2 },
        ),
      );
      await sleep(1);
      task.cancel();
      await assert.rejects(task, CancelledError);
    });
    assert.deepEqual(log, ["start 1", "start 2", "1: CancelledError", "2: CancelledError"]);
  });

  it("reads an async iterable one item at a time, as room frees up", async () => {
    const log: string[] = [];
    async function* items(): AsyncGenerator<number> {
      for (let i = 0; i < 4; i++) {
        log.push(`yield ${i} at ${getRunningLoop().time()}`);
        yield i;
      }
    }
    const results = await runVirtual(() =>
      map(
        items(),
        async (x) => {
          await sleep(5);
          return x * 2;
        },
        { limit: 2 },
      ),
    );
    assert.deepEqual(results, [0, 2, 4, 6]);
    assert.deepEqual(log, ["yield 0 at 0", "yield 1 at 0", "yield 2 at 5", "yield 3 at 5"]);
  });

  it("throws what the items' iterator throws, after cancelling the calls it started", async () => {
    const log: string[] = [];
    async function* items(): AsyncGenerator<number> {
      yield 1;
      await sleep(1);
      throw new Error("no more items");
    }
    await runVirtual(async () => {
      await assert.rejects(
        map(items(), async (x) => {
          try {
            await sleep(10);
          } catch (e) {
            log.push(`${x}: ${(e as Error).name}`);
            throw e;
          }
        }),
        /no more items/,
      );
    });
    assert.deepEqual(log, ["1: CancelledError"]);
  });

  it("closes the items' generator when it stops early", async () => {
    const log: string[] = [];
    async function* items(): AsyncGenerator<number> {
      try {
        for (let i = 1; ; i++) yield i;
      } finally {
        log.push("generator closed");
      }
    }
    await runVirtual(async () => {
      await assert.rejects(
        map(
          items(),
          async (x) => {
            await sleep(x);
            throw new Error(`failed ${x}`);
          },
          { limit: 2 },
        ),
        /failed 1/,
      );
    });
    assert.deepEqual(log, ["generator closed"]);
  });

  it("of no items is an empty array", async () => {
    assert.deepEqual(await runVirtual(() => map([], () => 1)), []);
  });

  it("works with eager tasks: calls that return at once finish inside map()", async () => {
    const results = await runVirtual(() => map([1, 2, 3], (x) => x + 1, { limit: 2 }), {
      taskFactory: eagerTaskFactory,
    });
    assert.deepEqual(results, [2, 3, 4]);
  });

  it("leaves no error unretrieved when several calls fail", async () => {
    const reports: ExceptionContext[] = [];
    await runVirtual(async () => {
      getRunningLoop().setExceptionHandler((_loop, context) => reports.push(context));
      await assert.rejects(
        map([1, 1, 1], async (x) => {
          await sleep(x);
          throw new Error("each fails");
        }),
        /each fails/,
      );
      await sleep(0);
    });
    assert.deepEqual(reports, []);
  });

  it("refuses bad input with an error that says what to pass", () => {
    assert.throws(() => map(5 as never, () => 1), {
      name: "TypeError",
      message: "map() expects an iterable or async iterable of items first, got 5",
    });
    assert.throws(() => map([1], "f" as never), {
      name: "TypeError",
      message: "map() expects the function to call for each item second, got 'f'",
    });
    for (const limit of [0, -1, 1.5, NaN]) {
      assert.throws(() => map([1], () => 1, { limit }), {
        name: "RangeError",
        message: `map() limit must be a whole number of at least 1, got ${String(limit)}: leave it out for no limit`,
      });
    }
    assert.throws(() => map([1], () => 1, { concurrency: 2 } as never), {
      name: "TypeError",
      message: "map() got an unknown option 'concurrency': the options are limit, returnExceptions and signal",
    });
  });
});
