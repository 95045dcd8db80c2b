/**
 * gather() of children that are already done, against CPython 3.13: since
 * 3.12 gather runs the done callbacks of done children before it returns,
 * so the result is there before anything else runs.
 */
import { describe, it } from "node:test";
import { Future, createTask, gather, sleep } from "asyncio-ts";
import { twin } from "./twin.js";

describe("fidelity: gather() of children already done", () => {
  it("is done at once, and awaiting it returns before a task created earlier runs", () =>
    twin({
      python: `
        import asyncio
        async def work():
            return "t"
        async def other():
            print("other: ran")
        async def main():
            loop = asyncio.get_running_loop()
            t = asyncio.create_task(work())
            await asyncio.sleep(0)
            f = loop.create_future()
            f.set_result("f")
            asyncio.create_task(other())
            g = asyncio.gather(t, f)
            print("gather done at once:", g.done())
            print("results:", ", ".join(await g))
            bad = loop.create_future()
            bad.set_exception(ValueError("bad"))
            g2 = asyncio.gather(f, bad)
            print("failed gather done at once:", g2.done())
            try:
                await g2
            except ValueError as e:
                print("gather raised:", e)
            await asyncio.sleep(0)
            print("main: end")
        asyncio.run(main())
      `,
      expected: [
        "gather done at once: True",
        "results: t, f",
        "failed gather done at once: True",
        "gather raised: bad",
        "other: ran",
        "main: end",
      ],
      ts: async (print) => {
        const t = createTask(async () => "t");
        await sleep(0);
        const f = new Future<string>();
        f.setResult("f");
        createTask(async () => {
          print("other: ran");
        });
        const g = gather(t, f);
        print("gather done at once:", g.done());
        print("results:", (await g).join(", "));
        const bad = new Future<string>();
        bad.setException(new RangeError("bad"));
        const g2 = gather(f, bad);
        print("failed gather done at once:", g2.done());
        try {
          await g2;
        } catch (err) {
          if (!(err instanceof RangeError)) throw err;
          print("gather raised:", err.message);
        }
        await sleep(0);
        print("main: end");
      },
    }));
});
