/**
 * sleep() with an odd delay, against CPython 3.13: a negative delay is
 * sleep(0), one loop turn; NaN and non-numbers stay errors.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { gather, sleep } from "asyncio-ts";
import { runVirtual } from "../support/virtual-loop.js";
import { twin } from "./twin.js";

describe("fidelity: sleep() with an odd delay", () => {
  it("sleep(-1) yields exactly one turn, as sleep(0) does, and returns its result", () =>
    twin({
      python: `
        import asyncio
        async def a():
            print("a: before sleep(-1)")
            print("a: sleep(-1) ->", await asyncio.sleep(-1, "r"))
        async def b():
            print("b: before sleep(0)")
            await asyncio.sleep(0)
            print("b: after sleep(0)")
            await asyncio.sleep(0)
            print("b: after second sleep(0)")
        async def main():
            await asyncio.gather(a(), b())
        asyncio.run(main())
      `,
      expected: [
        "a: before sleep(-1)",
        "b: before sleep(0)",
        "a: sleep(-1) -> r",
        "b: after sleep(0)",
        "b: after second sleep(0)",
      ],
      ts: async (print) => {
        const a = async (): Promise<void> => {
          print("a: before sleep(-1)");
          print("a: sleep(-1) ->", await sleep(-1, "r"));
        };
        const b = async (): Promise<void> => {
          print("b: before sleep(0)");
          await sleep(0);
          print("b: after sleep(0)");
          await sleep(0);
          print("b: after second sleep(0)");
        };
        await gather(a, b);
      },
    }));

  // CPython: sleep(nan) raises ValueError("Invalid delay: NaN (not a number)");
  // sleep("1") raises TypeError from comparing a str with 0.
  it("sleep(NaN) throws a RangeError and sleep('1') a TypeError, both naming the delay", async () => {
    await runVirtual(async () => {
      assert.throws(
        () => sleep(NaN),
        (err: unknown) => err instanceof RangeError && /sleep\(\) delay/.test(err.message) && /NaN/.test(err.message),
      );
      assert.throws(
        () => sleep("1" as unknown as number),
        (err: unknown) => err instanceof TypeError && /sleep\(\) delay/.test(err.message) && /'1'/.test(err.message),
      );
    });
  });
});
