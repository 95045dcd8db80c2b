/**
 * toThread() refuses, before sending, a function that uses a variable bound
 * in a scope of its caller (a closure, block, catch, module or script scope,
 * imports included), and only such a function: a free name that no scope of
 * the caller binds is a global lookup, which the worker thread makes as well
 * (`typeof window`), or which fails there with a ReferenceError naming it.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runInThisContext } from "node:vm";
import { run, toThread } from "asyncio-ts";

// Names no scope binds, neither here nor in the worker (types only: nothing is emitted).
declare const window: { document: unknown } | undefined;
declare const Deno: unknown;
declare const noOneHasThisName: number;
declare global {
  // Set on the caller's globalThis only, by one test.
  var onlyOnThisGlobalObject: number | undefined;
}

// Module-level bindings of the caller.
const LIMIT = 10;
let moduleCounter = 0;
function factorial(n: number): number {
  return n <= 1 ? 1 : n * factorial(n - 1);
}
const countdown = (n: number): number => (n <= 0 ? 0 : countdown(n - 1));

type AnyFunction = (...args: any[]) => unknown;

/** toThread(fn) throws at once the ReferenceError that names `names` as captured. */
function assertRefused(fn: AnyFunction, names: string): void {
  assert.throws(
    () => toThread(fn),
    (err: unknown) => {
      assert.ok(err instanceof ReferenceError, `expected a ReferenceError, got ${String(err)}`);
      assert.equal((err as ReferenceError & { code: string }).code, "ERR_ASYNCIO_CAPTURED_VARIABLE");
      assert.match(err.message, new RegExp(`it uses ${names} from its scope, which the worker does not have`));
      assert.match(err.message, /pass .* as an argument|pass them as arguments/);
      return true;
    },
    `${String(fn)} uses ${names} from its scope`,
  );
}

/** toThread(fn, ...args) sends fn (no refusal) and the worker's result is `expected`. */
async function assertSent(expected: unknown, fn: AnyFunction, ...args: unknown[]): Promise<void> {
  let pending: Promise<unknown>;
  try {
    pending = Promise.resolve(toThread(fn, ...args));
  } catch (err) {
    assert.fail(`${String(fn)} was refused before it was sent: ${(err as Error).message}`);
  }
  assert.deepEqual(await pending, expected);
}

describe("toThread(): which names are captured variables", () => {
  it("sends a function that reads an undeclared name under typeof: a global lookup the worker makes too", async () => {
    await run(async () => {
      await assertSent("node", () => (typeof window === "undefined" ? "node" : "browser"));
      await assertSent(["undefined", false, "no document"], () => [
        typeof Deno,
        typeof noOneHasThisName === "number",
        typeof window !== "undefined" && typeof window.document === "object" ? "document" : "no document",
      ]);
    });
  });

  it("sends a function that uses the worker's globals", async () => {
    await run(async () => {
      await assertSent([true, "number", 3, { a: [1] }, "function", 2], () => [
        globalThis.globalThis === globalThis,
        typeof process.pid,
        Buffer.from("abc").length,
        structuredClone({ a: [1] }),
        typeof console.log,
        Math.max(1, 2),
      ]);
    });
  });

  it("sends a function that uses a name no scope of the caller binds; the worker's ReferenceError names it", async () => {
    globalThis.onlyOnThisGlobalObject = 1;
    try {
      await run(async () => {
        for (const [fn, name] of [
          [() => noOneHasThisName + 1, "noOneHasThisName"], // Bound nowhere.
          [() => onlyOnThisGlobalObject! + 1, "onlyOnThisGlobalObject"], // A property of the caller's global object only.
        ] as const) {
          let pending: Promise<unknown>;
          try {
            pending = Promise.resolve(toThread(fn));
          } catch (err) {
            assert.fail(`${String(fn)} was refused before it was sent: ${(err as Error).message}`);
          }
          await assert.rejects(pending, (err: unknown) => {
            assert.ok(err instanceof ReferenceError);
            assert.equal((err as { code?: unknown }).code, undefined);
            assert.match(err.message, new RegExp(`^${name} is not defined: .*pass ${name} as an argument`));
            return true;
          });
        }
      });
    } finally {
      delete (globalThis as { onlyOnThisGlobalObject?: number }).onlyOnThisGlobalObject;
    }
  });

  it("refuses a module-level const or let, an import, a closure, block or catch variable, even under typeof", async () => {
    const factor = 3;
    await run(async () => {
      assertRefused((x: number) => x * LIMIT, "LIMIT");
      assertRefused(() => ++moduleCounter, "moduleCounter");
      assertRefused(() => typeof run, "run"); // An import binding.
      assertRefused(() => assert.ok(true), "assert");
      assertRefused((x: number) => (x > 100 ? factor + LIMIT : x), "factor, LIMIT"); // Even in a branch not taken.
      assertRefused(() => typeof factor === "undefined", "factor");
      for (const step of [2]) assertRefused((x: number) => x + step, "step");
      {
        const inBlock = 1;
        assertRefused(() => inBlock, "inBlock");
      }
      try {
        throw new Error("caught");
      } catch (caught) {
        assertRefused(() => caught, "caught");
      }
    });
    assert.equal(moduleCounter, 0);
  });

  it("refuses a script's top-level let, which the worker does not have", async () => {
    const [uses, guards] = runInThisContext(
      "let scriptLevelCount = 1; [() => scriptLevelCount + 1, () => typeof scriptLevelCount]",
    ) as [AnyFunction, AnyFunction];
    await run(async () => {
      assertRefused(uses, "scriptLevelCount");
      assertRefused(guards, "scriptLevelCount");
    });
  });

  it("sends a function whose parameter or local shadows a variable of the caller; refuses one that uses it", async () => {
    const factor = 3;
    await run(async () => {
      await assertSent(8, (factor: number) => factor * 2, 4);
      await assertSent(11, (LIMIT: number) => LIMIT + 1, 10);
      await assertSent(
        8,
        (x: number) => {
          const factor = 2;
          return x * factor;
        },
        4,
      );
      await assertSent(5, (x: number) => ((factor: number) => factor + 1)(x), 4);
      await assertSent(5, () => {
        try {
          throw 5;
        } catch (factor) {
          return factor;
        }
      });
      await assertSent(
        3,
        (xs: number[]) => {
          let factor = 0;
          for (const x of xs) factor += x;
          return factor;
        },
        [1, 2],
      );
      // Shadowed in an inner block only: the caller's factor is what the return reads.
      assertRefused((x: number) => {
        {
          const factor = 2;
          x += factor;
        }
        return x * factor;
      }, "factor");
      assertRefused((x: number) => [x, factor], "factor");
    });
    assert.equal(factor, 3);
  });

  it("sends a function that names a variable of the caller only as a property key or label; `{ name }` is a use", async () => {
    const limit = 1;
    await run(async () => {
      await assertSent(
        [5, 2, 3, 4, 5],
        (obj: { limit: number }) => {
          const copy = { limit: 2 };
          const methods = { limit: () => 3 };
          const instance = new (class {
            limit = 4;
          })();
          let n = 0;
          limit: for (;;) {
            n++;
            if (n === 5) break limit;
          }
          return [obj.limit, copy.limit, methods.limit(), instance.limit, n];
        },
        { limit: 5 },
      );
      await assertSent(2, () => ({ limit: 1 }).limit + 1);
      assertRefused(() => ({ limit }), "limit");
      assertRefused(() => ({ [limit]: true }), "limit");
    });
  });

  it("sends a function that calls itself by its own name; refuses an arrow that calls itself through a const", async () => {
    await run(async () => {
      await assertSent(120, factorial, 5);
      await assertSent(
        0,
        function again(n: number): number {
          return n <= 0 ? 0 : again(n - 1);
        },
        3,
      );
      // The worker compiles the arrow alone: there is no countdown there.
      assertRefused(countdown, "countdown");
    });
  });

  it("judges each function by its own caller's scopes, not by its source text alone", async () => {
    const [unbound, bound] = runInThisContext(
      "[() => typeof sharedName, (function () { const sharedName = 1; return () => typeof sharedName; })()]",
    ) as [AnyFunction, AnyFunction];
    assert.equal(String(unbound), String(bound));
    await run(async () => {
      await assertSent("undefined", unbound);
      assertRefused(bound, "sharedName");
      await assertSent("undefined", unbound);
      // A new closure from the same place each call: the same answer each time.
      for (let i = 0; i < 3; i++) {
        await assertSent(i + 1, (x: number) => (typeof window === "undefined" ? x + 1 : x), i);
        assertRefused(() => i, "i");
      }
    });
  });
});
