/**
 * The `limit` option of gather() and asCompleted(): async functions and
 * Coroutines become Tasks at most `limit` at a time (map() has its own tests).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CancelledError, type Future, asCompleted, createTask, gather, getRunningLoop, sleep } from "asyncio-ts";
import { runVirtual } from "../support/virtual-loop.js";

/** Calls that log when they start and end, and the most running at once. */
function probe(): {
  call: (name: string, seconds: number) => () => Promise<string>;
  log: string[];
  most: () => number;
} {
  const log: string[] = [];
  let running = 0;
  let most = 0;
  const call = (name: string, seconds: number) => async (): Promise<string> => {
    log.push(`${name} starts at ${getRunningLoop().time()}`);
    most = Math.max(most, ++running);
    try {
      await sleep(seconds);
    } finally {
      running--;
    }
    return name;
  };
  return { call, log, most: () => most };
}

describe("gather({ limit })", () => {
  it("runs at most `limit` calls at once, starts the next as one ends, and keeps argument order", async () => {
    const { call, log, most } = probe();
    const results = await runVirtual(() =>
      gather(call("a", 3), call("b", 1), call("c", 1), call("d", 1), { limit: 2 }),
    );
    assert.deepEqual(results, ["a", "b", "c", "d"]);
    assert.equal(most(), 2);
    assert.deepEqual(log, ["a starts at 0", "b starts at 0", "c starts at 1", "d starts at 2"]);
  });

  it("does not count Tasks and Futures given, which run already", async () => {
    const { call, most } = probe();
    await runVirtual(async () => {
      const running = createTask(call("t", 1));
      await gather(running, call("a", 1), call("b", 1), { limit: 1 });
    });
    assert.equal(most(), 2); // t, and one call at a time beside it
  });

  it("when cancelled, cancels the running calls and never starts the others", async () => {
    const { call, log } = probe();
    await runVirtual(async () => {
      const g = gather(call("a", 5), call("b", 5), call("c", 5), { limit: 2 });
      await sleep(1);
      g.cancel();
      await assert.rejects(g, CancelledError);
      await sleep(10);
    });
    assert.deepEqual(log, ["a starts at 0", "b starts at 0"]);
  });

  it("fails with the first error, as without a limit, and the calls not started yet still run", async () => {
    const { call, log } = probe();
    await runVirtual(async () => {
      const failing = async (): Promise<string> => {
        await sleep(1);
        throw new Error("failed");
      };
      await assert.rejects(gather(failing, call("b", 1), call("c", 1), { limit: 1 }), /failed/);
      await sleep(5);
    });
    assert.deepEqual(log, ["b starts at 1", "c starts at 2"]);
  });

  it("with returnExceptions gives each outcome in its place", async () => {
    const results = await runVirtual(() =>
      gather(
        async () => {
          await sleep(1);
          throw new RangeError("bad");
        },
        async () => "ok",
        { limit: 1, returnExceptions: true },
      ),
    );
    assert.ok(results[0] instanceof RangeError);
    assert.equal(results[1], "ok");
  });

  it("refuses a bad limit and names the options", async () => {
    await runVirtual(async () => {
      for (const limit of [0, 2.5, -1]) {
        assert.throws(() => gather(async () => 1, { limit }), {
          name: "RangeError",
          message: `gather() limit must be a whole number of at least 1, got ${limit}: leave it out for no limit`,
        });
      }
      assert.throws(() => gather(async () => 1, { concurrency: 2 } as never), {
        name: "TypeError",
        message: "gather() got an unknown option 'concurrency': the options are returnExceptions and limit",
      });
    });
  });
});

describe("asCompleted(aws, { limit })", () => {
  it("runs at most `limit` calls at once and gives the results in completion order", async () => {
    const { call, log, most } = probe();
    const order = await runVirtual(async () => {
      const out: string[] = [];
      for (const next of asCompleted([call("a", 3), call("b", 1), call("c", 1)], { limit: 2 })) out.push(await next);
      return out;
    });
    assert.deepEqual(order, ["b", "c", "a"]);
    assert.equal(most(), 2);
    assert.deepEqual(log, ["a starts at 0", "b starts at 0", "c starts at 1"]);
  });

  it("for await gives each done Future; the calls not started yet when run() ends never start", async () => {
    const { call, log } = probe();
    await runVirtual(async () => {
      const done: string[] = [];
      await assert.rejects(async () => {
        for await (const fut of asCompleted([call("a", 1), call("b", 1), call("c", 1)], { limit: 1, timeout: 1.5 })) {
          done.push((fut as unknown as Future<string>).result());
        }
      }, /timed out/);
      assert.deepEqual(done, ["a"]);
      // main returns: run() cancels b, and c, held back, never starts.
    });
    assert.deepEqual(log, ["a starts at 0", "b starts at 1"]);
  });

  it("refuses a bad limit", async () => {
    await runVirtual(async () => {
      assert.throws(() => asCompleted([async () => 1], { limit: 0 }), {
        name: "RangeError",
        message: "asCompleted() limit must be a whole number of at least 1, got 0: leave it out for no limit",
      });
    });
  });
});
