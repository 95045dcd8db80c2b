import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CancelledError, RuntimeError, createTask, gather, getRunningLoop, sleep } from "asyncio-ts";
import { runVirtual } from "../support/virtual-loop.js";

const now = (): number => getRunningLoop().time();

describe("sleep()", () => {
  // Ported from test_tasks.py: BaseTaskTests.test_sleep (CPython 3.13)
  it("waits its delay in seconds and resolves to the given result", async () => {
    await runVirtual(async () => {
      const sleeper = async (dt: number, arg: string): Promise<string> => {
        await sleep(dt / 2);
        return await sleep(dt / 2, arg);
      };
      const t = createTask(() => sleeper(0.1, "yeah"));
      await t;
      assert.equal(t.done(), true);
      assert.equal(t.result(), "yeah");
      assert.equal(now(), 0.1);
    });
  });

  it("resolves to undefined without a result", async () => {
    await runVirtual(async () => {
      assert.equal(await sleep(1), undefined);
      assert.equal(await sleep(0), undefined);
      assert.equal(now(), 1);
    });
  });

  it("wakes sleepers in deadline order", async () => {
    // Python: gather(s('a', 0.2), s('b', 0.1), s('c', 0.2), s('d', 0)) -> ['d', 'b', 'a', 'c']
    const trace: string[] = [];
    await runVirtual(async () => {
      const s = (name: string, delay: number) => async (): Promise<void> => {
        await sleep(delay);
        trace.push(`${name}@${now()}`);
      };
      await gather(s("a", 0.2), s("b", 0.1), s("c", 0.2), s("d", 0));
    });
    assert.deepEqual(trace, ["d@0", "b@0.1", "a@0.2", "c@0.2"]);
  });

  // Ported from test_tasks.py: SleepTests.test_sleep_zero (CPython 3.13)
  it("sleep(0, result) lets callbacks scheduled before it run, then resolves to result", async () => {
    let result = 0;
    const incResult = (num: number): void => {
      result += num;
    };
    await runVirtual(async () => {
      getRunningLoop().callSoon(incResult, 1);
      assert.equal(result, 0);
      const num = await sleep(0, 10);
      assert.equal(result, 1); // inc'ed by callSoon
      incResult(num); // num should be 11
    });
    assert.equal(result, 11);
  });

  it("sleep(0) yields exactly one loop turn: a callback scheduled from a callback runs after the sleeper resumes", async () => {
    // Python: call_soon(a) where a appends 'A' and call_soon's 'B'; await sleep(0);
    // append 'main'; await sleep(0); append 'main2' -> ['A', 'main', 'B', 'main2'].
    const trace: string[] = [];
    await runVirtual(async () => {
      const loop = getRunningLoop();
      loop.callSoon(() => {
        trace.push("A");
        loop.callSoon(() => trace.push("B"));
      });
      await sleep(0);
      trace.push("main");
      await sleep(0);
      trace.push("main2");
    });
    assert.deepEqual(trace, ["A", "main", "B", "main2"]);
  });

  it("two tasks ping-ponging with sleep(0) interleave as in CPython", async () => {
    // The same program in Python:
    //   async def player(name, n):
    //       for i in range(n):
    //           trace.append(f'{name}{i}'); await asyncio.sleep(0)
    //       trace.append(f'{name} done')
    //   async def main():
    //       a = asyncio.create_task(player('a', 3)); b = asyncio.create_task(player('b', 2))
    //       trace.append('main0'); await asyncio.sleep(0)
    //       trace.append('main1'); await asyncio.sleep(0)
    //       trace.append('main2'); await a; trace.append('a awaited'); await b
    //       trace.append('main end')
    const trace: string[] = [];
    const player = async (name: string, n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        trace.push(`${name}${i}`);
        await sleep(0);
      }
      trace.push(`${name} done`);
    };
    await runVirtual(async () => {
      const a = createTask(() => player("a", 3));
      const b = createTask(() => player("b", 2));
      trace.push("main0");
      await sleep(0);
      trace.push("main1");
      await sleep(0);
      trace.push("main2");
      await a;
      trace.push("a awaited");
      await b;
      trace.push("main end");
    });
    assert.deepEqual(trace, [
      "main0",
      "a0",
      "b0",
      "main1",
      "a1",
      "b1",
      "main2",
      "a2",
      "b done",
      "a done",
      "a awaited",
      "main end",
    ]);
  });

  it("tasks ping-ponging with sleep(0) interleave with callSoon callbacks as in CPython", async () => {
    // The program above with two call_soon()s; Python prints this trace.
    const trace: string[] = [];
    const player = async (name: string, n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        trace.push(`${name}${i}`);
        await sleep(0);
      }
      trace.push(`${name} done`);
    };
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const a = createTask(() => player("a", 3));
      const b = createTask(() => player("b", 2));
      loop.callSoon(() => trace.push("soon1"));
      trace.push("main0");
      await sleep(0);
      trace.push("main1");
      loop.callSoon(() => trace.push("soon2"));
      await sleep(0);
      trace.push("main2");
      await a;
      trace.push("a awaited");
      await b;
      trace.push("main end");
    });
    assert.deepEqual(trace, [
      "main0",
      "a0",
      "b0",
      "soon1",
      "main1",
      "a1",
      "b1",
      "soon2",
      "main2",
      "a2",
      "b done",
      "a done",
      "a awaited",
      "main end",
    ]);
  });

  // Ported from test_tasks.py: BaseTaskTests.test_sleep_cancel (CPython 3.13)
  it("cancelling a sleep cancels its timer: the clock never reaches its deadline", async () => {
    await runVirtual(async () => {
      const t = createTask(() => sleep(10.0, "yeah"));
      await sleep(0);
      t.cancel();
      await assert.rejects(async () => {
        await t;
      }, CancelledError);
      assert.equal(now(), 0);
      // Nothing else is scheduled: a leftover timer would move the clock to 10.
      await new Promise<void>((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => setImmediate(resolve));
      await sleep(1);
      assert.equal(now(), 1);
    });
  });

  it("a cancelled sleep throws CancelledError at its await, at the time of the cancel", async () => {
    const trace: string[] = [];
    await runVirtual(async () => {
      const t = createTask(async () => {
        try {
          await sleep(10);
        } catch (err) {
          trace.push(`${(err as Error).name}('${(err as Error).message}')@${now()}`);
          throw err;
        }
      });
      await sleep(2);
      t.cancel("enough");
      await assert.rejects(async () => {
        await t;
      }, CancelledError);
      trace.push(`main@${now()}`);
    });
    assert.deepEqual(trace, ["CancelledError('enough')@2", "main@2"]);
  });

  // Ported from test_tasks.py: BaseTaskTests.test_task_cancel_sleeping_task (CPython 3.13)
  it("a task sleeping 5000 s cancelled by callLater(0.1) ends at 0.1", async () => {
    const result = await runVirtual(async () => {
      const sleeper = createTask(async () => {
        await sleep(5000);
      });
      getRunningLoop().callLater(0.1, () => sleeper.cancel());
      try {
        await sleeper;
        return "slept in";
      } catch (err) {
        if (err instanceof CancelledError) return `cancelled@${now()}`;
        throw err;
      }
    });
    assert.equal(result, "cancelled@0.1");
  });
});

describe("sleep(): bad arguments", () => {
  // CPython 3.13's sleep() treats a delay <= 0 as sleep(0): `await
  // sleep(deadline - loop.time())` must not throw once the deadline passed.
  it("sleep(-1) yields one loop turn, as sleep(0) does, and resolves to its result", async () => {
    const trace: string[] = [];
    await runVirtual(async () => {
      const other = createTask(async () => {
        trace.push("other: first step");
        await sleep(0);
        trace.push("other: second step");
      });
      const value = await sleep(-1, "late");
      trace.push(`main: woke with ${value}@${now()}`);
      await other;
    });
    assert.deepEqual(trace, ["other: first step", "main: woke with late@0", "other: second step"]);
  });

  // Ported from test_tasks.py: BaseTaskTests.test_sleep_when_delay_is_nan (CPython 3.13)
  // CPython raises ValueError; a bad argument is a RangeError here.
  it("a task that sleeps NaN seconds fails with RangeError", async () => {
    await runVirtual(async () => {
      const sleeper = async (): Promise<void> => {
        await sleep(NaN);
      };
      const t = createTask(sleeper);
      await assert.rejects(async () => {
        await t;
      }, RangeError);
    });
  });

  it("sleep(NaN) throws a RangeError pointing at the computation", async () => {
    await runVirtual(async () => {
      assert.throws(
        () => sleep(NaN),
        (err: unknown) => {
          assert.ok(err instanceof RangeError);
          assert.equal((err as RangeError & { code?: string }).code, "ERR_ASYNCIO_OUT_OF_RANGE");
          assert.match(err.message, /sleep\(\)/);
          assert.match(err.message, /NaN/);
          return true;
        },
      );
    });
  });

  it("sleep('1') throws a TypeError saying durations are seconds", async () => {
    await runVirtual(async () => {
      assert.throws(
        () => sleep("1" as unknown as number),
        (err: unknown) => err instanceof TypeError && /seconds/.test(err.message),
      );
    });
  });

  it("sleep() outside a running loop throws RuntimeError", () => {
    assert.throws(
      () => sleep(0),
      (err: unknown) => err instanceof RuntimeError && /no running event loop/.test(err.message),
    );
  });
});
