/**
 * waitFor() against CPython 3.13, whose wait_for is built on timeout()
 * since 3.12: a coroutine runs inline in the caller's task, and a cancel
 * that arrives while the awaited task is finishing is kept (GH-86296).
 */
import { describe, it } from "node:test";
import {
  Future,
  coroutine,
  createTask,
  gather,
  getRunningLoop,
  isCancelled,
  sleep,
  waitFor,
  type Task,
} from "asyncio-ts";
import { quoted, twin, type Print } from "./twin.js";

class ProbeError extends Error {
  override readonly name = "ProbeError";
}

const inlinePython = `
  import asyncio
  async def sibling():
      print("sibling: ran")
  async def child():
      print("child: ran")
      return "child result"
  async def main():
      asyncio.create_task(sibling())
      print(await asyncio.wait_for(child(), 1))
      await asyncio.sleep(0)
      print("main: end")
  asyncio.run(main())
`;
const inlineExpected = ["child: ran", "child result", "sibling: ran", "main: end"];

/** The TypeScript twin of `inlinePython`, with `wrap` making wait_for's argument from `child`. */
const inlineTs =
  (wrap: (child: () => Promise<string>) => Parameters<typeof waitFor>[0]) =>
  async (print: Print): Promise<void> => {
    const child = async (): Promise<string> => {
      print("child: ran");
      return "child result";
    };
    createTask(async () => {
      print("sibling: ran");
    });
    print(await waitFor(wrap(child), 1));
    await sleep(0);
    print("main: end");
  };

describe("fidelity: waitFor()", () => {
  it("runs a Coroutine inline, in the caller's task: the child runs before a sibling task created earlier", () =>
    twin({ python: inlinePython, expected: inlineExpected, ts: inlineTs((child) => coroutine(child)()) }));

  it("runs an async function inline, in the caller's task: the child runs before a sibling task created earlier", () =>
    twin({ python: inlinePython, expected: inlineExpected, ts: inlineTs((child) => child) }));

  // GH-86296
  it("keeps a cancel that arrives after the awaited task failed but before the waiting task woke", () =>
    twin({
      python: "python/wait_for_loses_cancel.py",
      expected: ["outer.cancel() -> True", "outer: cancelled"],
      ts: async (print) => {
        const gate = new Future<void>({ loop: getRunningLoop() });
        const inner = async (): Promise<never> => {
          await gate;
          throw new ProbeError("inner");
        };
        const outer = async (): Promise<never> => await waitFor(innerT, 10);
        const innerT = createTask(inner);
        const outerT = createTask(outer);
        await sleep(0);
        await sleep(0);
        gate.setResult();
        await sleep(0); // inner failed; outer's wake-up is queued
        print("outer.cancel() ->", outerT.cancel());
        try {
          await outerT;
        } catch {
          // Either outcome is printed below.
        }
        const exc = outerT.cancelled() ? undefined : (outerT.exception() as Error);
        print("outer:", exc === undefined ? "cancelled" : `${exc.name}(${quoted(exc)})`);
      },
    }));

  it("gather().cancel() returning true while its child in waitFor is being woken by a result: the child is cancelled and gather raises CancelledError", () =>
    twin({
      python: `
        import asyncio
        def m(e): return repr(e.args[0] if e.args else '')
        async def main():
            gate = asyncio.get_running_loop().create_future()
            async def inner():
                await gate
                return "inner result"
            async def child():
                try:
                    r = await asyncio.wait_for(inner_t, 10)
                    print("child: returned", r)
                    return r
                except asyncio.CancelledError as e:
                    print("child: cancelled", m(e))
                    raise
            inner_t = asyncio.create_task(inner())
            child_t = asyncio.create_task(child())
            g = asyncio.gather(child_t)
            await asyncio.sleep(0); await asyncio.sleep(0)
            gate.set_result(None)
            await asyncio.sleep(0)          # inner done; child's wake-up is queued
            print("gather.cancel('stop') ->", g.cancel("stop"))
            try:
                print("gather ->", await g)
            except asyncio.CancelledError as e:
                print("gather: cancelled", m(e))
            print("child:", "cancelled" if child_t.cancelled() else child_t.result())
        asyncio.run(main())
      `,
      expected: [
        "gather.cancel('stop') -> True",
        "child: cancelled 'stop'",
        "gather: cancelled 'stop'",
        "child: cancelled",
      ],
      ts: async (print) => {
        const gate = new Future<void>();
        const inner = async (): Promise<string> => {
          await gate;
          return "inner result";
        };
        const child = async (): Promise<string> => {
          try {
            const r = await waitFor(innerT, 10);
            print("child: returned", r);
            return r;
          } catch (err) {
            if (!isCancelled(err)) throw err;
            print("child: cancelled", quoted(err));
            throw err;
          }
        };
        const innerT = createTask(inner);
        const childT: Task<string> = createTask(child);
        const g = gather(childT);
        await sleep(0);
        await sleep(0);
        gate.setResult();
        await sleep(0); // inner done; child's wake-up is queued
        print("gather.cancel('stop') ->", g.cancel("stop"));
        try {
          print("gather ->", (await g).join(", "));
        } catch (err) {
          if (!isCancelled(err)) throw err;
          print("gather: cancelled", quoted(err));
        }
        print("child:", childT.cancelled() ? "cancelled" : childT.result());
      },
    }));
});
