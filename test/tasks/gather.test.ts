import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { gather, getRunningLoop, sleep } from "asyncio-ts";
import { runVirtual } from "../support/virtual-loop.js";

describe("gather()", () => {
  it("runs the seed's program: concurrent starts, completion by deadline, results in argument order", async () => {
    const trace: string[] = [];
    const at = (s: string): void => {
      trace.push(`${s}@${getRunningLoop().time().toFixed(1)}`);
    };
    const make = (name: string, delay: number) => async () => {
      at(`${name}: started`);
      await sleep(delay);
      at(`${name}: finished`);
      return name;
    };
    const result = await runVirtual(() => gather(make("a", 0.2), make("b", 0.1), make("c", 0.3)));
    assert.deepEqual(result, ["a", "b", "c"]);
    assert.deepEqual(trace, [
      "a: started@0.0",
      "b: started@0.0",
      "c: started@0.0",
      "b: finished@0.1",
      "a: finished@0.2",
      "c: finished@0.3",
    ]);
  });
});
