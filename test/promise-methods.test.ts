/**
 * Futures, Tasks and Coroutines have a Promise's `catch`, `finally` and
 * `Symbol.toStringTag` (CPython's have none), so a helper typed with
 * `Promise<T>` takes them (test/consumer/programs/promises.ts checks the
 * types). Both methods go through the object's own `then()`, as a
 * Promise's do: what `catch` and `finally` give is what a native Promise
 * gives, a Coroutine starts when they are called, and a task that calls
 * them on a Future waits on that Future as `await` would.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CancelledError, Future, TimeoutError, coroutine, createTask, sleep, waitFor } from "asyncio-ts";
import { runVirtual } from "./support/virtual-loop.js";

type Make = (outcome: "ok" | "fail") => Promise<string>;

/** What catch() and finally() give for `make`'s awaitables, as plain values. */
async function outcomes(make: Make): Promise<unknown[]> {
  const settle = (p: Promise<unknown>): Promise<unknown> =>
    p.then(
      (value) => ["resolved", value],
      (err: unknown) => ["rejected", err instanceof Error ? err.message : err],
    );
  const out: unknown[] = [];
  for (const outcome of ["ok", "fail"] as const) {
    out.push(await settle(make(outcome).catch((err: Error) => `caught ${err.message}`)));
    out.push(await settle(make(outcome).catch(null)));
    const args: number[] = [];
    out.push(await settle(make(outcome).finally((...a: unknown[]) => void args.push(a.length))), args);
    out.push(
      await settle(
        make(outcome).finally(() => {
          throw new Error("from finally");
        }),
      ),
    );
    // finally() waits for the promise its callback returns.
    const order: string[] = [];
    out.push(await settle(make(outcome).finally(() => sleep(0.1).then(() => void order.push("slept")))), order);
  }
  return out;
}

const promiseOf: Make = (outcome) => (outcome === "ok" ? Promise.resolve("value") : Promise.reject(new Error("boom")));

describe("Future, Task and Coroutine as Promises", () => {
  it("catch() and finally() of a Future, a Task and a Coroutine give what a native Promise's give", async () => {
    await runVirtual(async () => {
      const expected = await outcomes(promiseOf);
      assert.deepEqual(expected.slice(0, 3), [
        ["resolved", "value"],
        ["resolved", "value"],
        ["resolved", "value"],
      ]);
      const future: Make = (outcome) => {
        const fut = new Future<string>();
        if (outcome === "ok") fut.setResult("value");
        else fut.setException(new Error("boom"));
        return fut;
      };
      const task: Make = (outcome) => createTask(() => promiseOf(outcome));
      const body = coroutine(promiseOf);
      const coro: Make = (outcome) => body(outcome);
      const timed: Make = (outcome) => waitFor(() => promiseOf(outcome), 1);
      for (const make of [future, task, coro, timed]) assert.deepEqual(await outcomes(make), expected);
    });
  });

  it("catch() and finally() start a Coroutine, as then() does; it runs once", async () => {
    await runVirtual(async () => {
      let runs = 0;
      const body = coroutine(async () => ++runs);
      const c = body();
      const caught = c.catch(() => 0);
      assert.equal(runs, 1);
      assert.equal(await caught, 1);
      await assert.rejects(
        body()
          .finally(() => {})
          .then(() => c.finally(() => {})),
        /cannot reuse already awaited coroutine/,
      );
    });
  });

  it("catch() and finally() call the object's own then() at once, as a Promise's do", async () => {
    await runVirtual(async () => {
      const calls: unknown[][] = [];
      class Spied<T> extends Future<T> {
        override then<R1 = T, R2 = never>(
          onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
          onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
        ): Promise<R1 | R2> {
          calls.push([typeof onFulfilled, typeof onRejected]);
          return super.then(onFulfilled, onRejected);
        }
      }
      const fut = new Spied<number>();
      const caught = fut.catch(() => 0);
      const finished = fut.finally(() => {});
      assert.deepEqual(calls, [
        ["undefined", "function"],
        ["function", "function"],
      ]);
      fut.setResult(1);
      assert.deepEqual([await caught, await finished], [1, 1]);

      let runs = 0;
      const body = coroutine(async () => ++runs);
      const settled = body().finally(() => {});
      assert.equal(runs, 1);
      assert.equal(await settled, 1);
    });
  });

  it("in a task, finally() and catch() on a pending Future make it the task's waiter: cancelling the task cancels the Future", async () => {
    await runVirtual(async () => {
      for (const method of ["finally", "catch"] as const) {
        const fut = new Future<number>();
        const task = createTask(async () => {
          await sleep(0);
          return method === "finally" ? fut.finally(() => {}) : fut.catch(() => 0);
        });
        await sleep(0);
        await sleep(0);
        task.cancel();
        // catch() catches the CancelledError, as a broad catch does.
        if (method === "catch") assert.equal(await task, 0);
        else await assert.rejects(task, CancelledError);
        assert.ok(fut.cancelled(), method);
      }
    });
  });

  it("in task code, then() with a promise's resolving functions (what await passes) returns undefined; other callers get a Promise", async () => {
    await runVirtual(async () => {
      const fut = new Future<number>();
      let returned: unknown = "not called";
      const followed = new Promise<number>((resolve, reject) => {
        returned = fut.then(resolve, reject);
      });
      assert.equal(returned, undefined);
      // Anything else, built-in or not, gets a Promise, as before.
      assert.ok(fut.then() instanceof Promise);
      assert.ok(fut.then(Number) instanceof Promise);
      assert.ok(
        fut.then(
          (v) => v,
          (e: unknown) => e,
        ) instanceof Promise,
      );
      const finished = Promise.resolve(fut).finally(() => {});
      fut.setResult(7);
      assert.deepEqual([await followed, await fut, await finished], [7, 7, 7]);
    });
  });

  it("outside task code, then() returns a Promise even for a promise's resolving functions", async () => {
    await runVirtual(async () => {
      const fut = new Future<number>();
      let returned: unknown;
      const followed = new Promise<number>((resolve, reject) => {
        fut.getLoop().callSoon(() => {
          returned = fut.then(resolve, reject);
          fut.setResult(3);
        });
      });
      assert.equal(await followed, 3);
      assert.ok(returned instanceof Promise);
    });
  });

  it("a helper typed () => Promise<number> takes waitFor(): its catch() gets the TimeoutError", async () => {
    const result = await runVirtual(async () => {
      const attempt = (): Promise<number> => waitFor(sleep(1, 1), 0.1);
      return attempt().catch((err: unknown) => (err instanceof TimeoutError ? -1 : -2));
    });
    assert.equal(result, -1);
  });

  it("Object.prototype.toString() names the class: Future, Task, Coroutine", async () => {
    await runVirtual(async () => {
      const task = createTask(async () => {});
      const tag = (x: unknown): string => Object.prototype.toString.call(x);
      assert.equal(tag(new Future()), "[object Future]");
      assert.equal(tag(task), "[object Task]");
      assert.equal(tag(waitFor(task, 1)), "[object Coroutine]");
      assert.equal(tag(new (class Deferred<T> extends Future<T> {})()), "[object Deferred]");
      await task;
    });
  });
});
