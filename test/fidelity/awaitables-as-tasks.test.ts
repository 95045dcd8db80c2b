/**
 * What is a coroutine in CPython 3.13 can become a Task in asyncio-ts too:
 * the results of toThread(), sleep() and waitFor() are awaitables that have
 * not started their work in a task, so createTask() and gather() take them
 * as they take a coroutine. A running plain promise stays refused.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Task, createTask, gather, sleep, toThread, waitFor } from "asyncio-ts";
import { runVirtual } from "../support/virtual-loop.js";
import { twin } from "./twin.js";

// Self-contained, so that toThread can send it to a worker.
function double(x: number): number {
  return x * 2;
}

describe("fidelity: awaitables that CPython's coroutines become Tasks", () => {
  it("createTask(toThread(f, 21)) is a Task that resolves to f's result", () =>
    twin({
      python: `
        import asyncio
        def double(x):
            return x * 2
        async def main():
            t = asyncio.create_task(asyncio.to_thread(double, 21))
            print(isinstance(t, asyncio.Task), await t)
        asyncio.run(main())
      `,
      expected: ["True 42"],
      ts: async (print) => {
        const t = createTask(toThread(double, 21));
        print(t instanceof Task, await t);
      },
    }));

  it("createTask(sleep(0.01, 'slept')) is a Task that resolves to the sleep's result", () =>
    twin({
      python: `
        import asyncio
        async def main():
            t = asyncio.create_task(asyncio.sleep(0.01, "slept"))
            print(isinstance(t, asyncio.Task), await t)
        asyncio.run(main())
      `,
      expected: ["True slept"],
      ts: async (print) => {
        const t = createTask(sleep(0.01, "slept"));
        print(t instanceof Task, await t);
      },
    }));

  it("createTask(waitFor(answer, 1)) is a Task that resolves to answer's result", () =>
    twin({
      python: `
        import asyncio
        async def answer():
            return "answer"
        async def main():
            t = asyncio.create_task(asyncio.wait_for(answer(), 1))
            print(isinstance(t, asyncio.Task), await t)
        asyncio.run(main())
      `,
      expected: ["True answer"],
      ts: async (print) => {
        const answer = async (): Promise<string> => "answer";
        const t = createTask(waitFor(answer, 1));
        print(t instanceof Task, await t);
      },
    }));

  it("gather(toThread(f, 1), sleep(0.01, 's')) runs both and gives their results in order", () =>
    twin({
      python: `
        import asyncio
        def double(x):
            return x * 2
        async def main():
            r = await asyncio.gather(asyncio.to_thread(double, 1), asyncio.sleep(0.01, "s"))
            print("gather:", r[0], r[1])
        asyncio.run(main())
      `,
      expected: ["gather: 2 s"],
      ts: async (print) => {
        const r = await gather(toThread(double, 1), sleep(0.01, "s"));
        print("gather:", r[0], r[1]);
      },
    }));

  it("createTask() of a running plain promise throws a TypeError that says to pass the function", async () => {
    await runVirtual(async () => {
      const running = (async () => "started")();
      assert.throws(
        () => createTask(running as never),
        (err: unknown) =>
          err instanceof TypeError && /promise/.test(err.message) && /pass the function/.test(err.message),
      );
      await running;
    });
  });
});
