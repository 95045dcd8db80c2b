/**
 * asCompleted() iteration against CPython 3.13: sync and async iteration
 * share one count of results left (`_AsCompletedIterator._todo_left`), so a
 * loop left with `break` leaves the rest to the next loop.
 */
import { describe, it } from "node:test";
import { asCompleted, sleep, type DoneFuture } from "asyncio-ts";
import { twin } from "./twin.js";

describe("fidelity: asCompleted() iteration", () => {
  it("a for-of loop left with break leaves the other results to a for-await loop", () =>
    twin({
      python: `
        import asyncio
        async def main():
            ac = asyncio.as_completed([asyncio.sleep(0.01 * i, i) for i in (1, 2, 3)])
            for n in ac:
                print("plain", await n)
                break
            async for f in ac:
                print("async", f.result())
            for n in ac:
                print("nothing left", n)
        asyncio.run(main())
      `,
      expected: ["plain 1", "async 2", "async 3"],
      ts: async (print) => {
        const ac = asCompleted([1, 2, 3].map((i) => sleep(0.01 * i, i)));
        for (const n of ac) {
          print("plain", await n);
          break;
        }
        // The annotation works around TypeScript typing `f` as the result
        // when the same object was iterated with for-of before.
        const done: AsyncIterable<DoneFuture<number>> = ac;
        for await (const f of done) print("async", f.result());
        for (const n of ac) print("nothing left", n);
      },
    }));

  it("a second for-of loop goes on where the first one broke off", () =>
    twin({
      python: `
        import asyncio
        async def main():
            ac = asyncio.as_completed([asyncio.sleep(0.01 * i, i) for i in (1, 2, 3)])
            for n in ac:
                print("first loop", await n)
                break
            for n in ac:
                print("second loop", await n)
        asyncio.run(main())
      `,
      expected: ["first loop 1", "second loop 2", "second loop 3"],
      ts: async (print) => {
        const ac = asCompleted([1, 2, 3].map((i) => sleep(0.01 * i, i)));
        for (const n of ac) {
          print("first loop", await n);
          break;
        }
        for (const n of ac) print("second loop", await n);
      },
    }));
});
