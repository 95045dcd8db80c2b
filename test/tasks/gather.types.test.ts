// Compile-time checks of gather()'s and asCompleted()'s result types: if a
// type is wrong, `npx tsc` fails on this file. The runtime test at the end
// runs the same calls, so the file also checks the values.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Future, type Task, asCompleted, coroutine, createTask, gather, sleep, waitFor } from "asyncio-ts";
import { runVirtual } from "../support/virtual-loop.js";

/** True only if A and B are the same type (not merely assignable, and not any). */
type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function expectType<T>(_value: T): void {}

async function typeChecks(): Promise<unknown[]> {
  // Async functions: a tuple of their results, in argument order.
  const r = await gather(
    async () => 1,
    async () => "s",
  );
  const check: [number, string] = r;
  expectType<Equal<typeof r, [number, string]>>(true);
  // @ts-expect-error the first result is a number, not a string
  const wrong: [string, string] = r;

  // returnExceptions: true: each result may be the error instead.
  const e = await gather(
    async () => 1,
    async () => "s",
    { returnExceptions: true },
  );
  const checkE: [number | Error, string | Error] = e;
  expectType<Equal<typeof e, [number | Error, string | Error]>>(true);
  // @ts-expect-error with returnExceptions a result may be an Error
  const wrongE: [number, string] = e;

  // createTask() of an asyncio-ts Future (what sleep() and toThread() return): a Task of its result.
  const slept = createTask(sleep(0.01, "slept"));
  expectType<Equal<typeof slept, Task<string>>>(true);
  const waited = createTask(waitFor(async () => 1, 1));
  expectType<Equal<typeof waited, Task<number>>>(true);
  // @ts-expect-error a running promise is not a TaskBody (refused at run time too)
  assert.throws(() => createTask(Promise.resolve(1)), TypeError);
  await slept;
  await waited;

  // A spread of Task<number>[]: number[].
  const tasks: Task<number>[] = [createTask(async () => 1), createTask(async () => 2)];
  const s = await gather(...tasks);
  const checkS: number[] = s;
  expectType<Equal<typeof s, number[]>>(true);

  // Coroutines, Futures and promises: their result types.
  const twice = coroutine(async (x: number) => x * 2);
  const fut = new Future<boolean>();
  fut.setResult(true);
  const m = await gather(twice(21), fut, Promise.resolve("p"), sleep(0, 5n));
  expectType<Equal<typeof m, [number, boolean, string, bigint]>>(true);

  // asCompleted: awaitables of the union of the result types.
  const seen: (number | string)[] = [];
  for (const next of asCompleted([async () => 1, async () => "s"])) {
    const v = await next;
    expectType<Equal<typeof v, number | string>>(true);
    seen.push(v);
  }

  return [check, wrong, checkE, wrongE, checkS, m, seen];
}

describe("gather() result types", () => {
  it("gives typed tuples for async functions, Errors with returnExceptions, number[] for a spread of Task<number>[]", async () => {
    const result = await runVirtual(typeChecks);
    assert.equal(result.length, 7);
    const [check, wrong, checkE, wrongE, checkS, m, seen] = result;
    assert.deepEqual(check, [1, "s"]);
    assert.deepEqual(wrong, [1, "s"]);
    assert.deepEqual(checkE, [1, "s"]);
    assert.deepEqual(wrongE, [1, "s"]);
    assert.deepEqual(checkS, [1, 2]);
    assert.deepEqual(m, [42, true, "p", 5n]);
    assert.deepEqual((seen as unknown[]).sort(), [1, "s"]);
  });
});
