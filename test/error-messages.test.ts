/**
 * How error messages show the value they got. Every message goes through
 * one formatter; a Promise there is "a Promise", never Node's inspection of
 * it (on Node 20, while async hooks are on, that lists its async ids and
 * the task stored in it: `Promise { 1, [Symbol(async_id_symbol)]: 170, ... }`).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Future, getRunningLoop, sleep, wait } from "asyncio-ts";
import { runVirtual } from "./support/virtual-loop.js";

/** The message of what `fn` throws. */
async function messageOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (err) {
    return (err as Error).message;
  }
  return assert.fail("expected it to throw");
}

describe("error messages", () => {
  it("show a Promise as 'a Promise', wherever they show a value", async () => {
    const messages = await runVirtual(async () => {
      const promise = Promise.resolve(1);
      const any = promise as never;
      return [
        await messageOf(() => wait([any])),
        await messageOf(() => getRunningLoop().callSoon(any)),
        await messageOf(() => sleep(any)),
        await messageOf(() => new Future().addDoneCallback(any)),
      ];
    });
    assert.deepEqual(messages, [
      "wait() takes Tasks and Futures, got a Promise: wrap functions with createTask(fn) first",
      "callSoon() expects a function, got a Promise: pass the function, not its result",
      "sleep() delay must be a number of seconds, got a Promise: durations are in seconds, as in asyncio (0.2 for 200 ms)",
      "addDoneCallback() expects a function, got a Promise",
    ]);
  });

  it("show other values as Node inspects them, on one line", async () => {
    const messages = await runVirtual(async () => [
      await messageOf(() => sleep("1" as never)),
      await messageOf(() => getRunningLoop().callSoon({ a: { b: { c: 1 } } } as never)),
    ]);
    assert.deepEqual(messages, [
      "sleep() delay must be a number of seconds, got '1': durations are in seconds, as in asyncio (0.2 for 200 ms)",
      "callSoon() expects a function, got { a: { b: [Object] } }: pass the function, not its result",
    ]);
  });
});
