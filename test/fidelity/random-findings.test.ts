/**
 * Differences from CPython 3.13 that the random programs (random.test.ts)
 * found, each shrunk to a short twin.
 */
import { describe, it } from "node:test";
import { createTask, gather, getRunningLoop, isCancelled, sleep } from "asyncio-ts";
import { quoted, twin } from "./twin.js";

describe("fidelity: found by random programs", () => {
  // CPython's sleep(0) is a bare yield: the task waits on no Future, so a
  // cancel() meanwhile stays pending (_must_cancel) until the task's next
  // step. A later cancel() replaces its message, and uncancel() to zero
  // withdraws it (3.13). Random seeds 170, 417, 1413, 1699, among others.
  it("a cancel pending over sleep(0) takes the last message, and uncancel() withdraws it", () =>
    twin({
      python: `
        import asyncio
        def m(e): return repr(e.args[0] if e.args else '')
        async def child(name):
            try:
                await asyncio.sleep(0)
                print(name, "slept")
            except asyncio.CancelledError as e:
                print(name, "cancelled", m(e))
        async def main():
            a = asyncio.create_task(child("a"))
            b = asyncio.create_task(child("b"))
            await asyncio.sleep(0)  # both children wait in sleep(0)
            a.cancel("first")
            a.cancel("second")
            b.cancel()
            b.uncancel()
            await a
            await b
        asyncio.run(main())
      `,
      expected: ["a cancelled 'second'", "b slept"],
      ts: async (print) => {
        const child = async (name: string): Promise<void> => {
          try {
            await sleep(0);
            print(name, "slept");
          } catch (err) {
            if (!isCancelled(err)) throw err;
            print(name, "cancelled", quoted(err));
          }
        };
        const a = createTask(() => child("a"));
        const b = createTask(() => child("b"));
        await sleep(0);
        a.cancel("first");
        a.cancel("second");
        b.cancel();
        b.uncancel();
        await a;
        await b;
      },
    }));

  // tasks.py gather's _done_callback: `exc = fut._make_cancelled_error()`
  // after `for fut in children:`, so the message is the last child's in
  // argument order (a child that was not cancelled gives ''), not the one
  // that finished last. Random seeds 206, 286, 336, 364, among others.
  it("a cancelled gather(returnExceptions) raises the CancelledError of its last child in argument order", () =>
    twin({
      python: `
        import asyncio
        def m(e): return repr(e.args[0] if e.args else '')
        async def main():
            loop = asyncio.get_running_loop()
            for order in ("child first", "child last"):
                done = loop.create_future()
                done.set_result(None)
                c = asyncio.create_task(asyncio.sleep(1))
                if order == "child first":
                    g = asyncio.gather(c, done, return_exceptions=True)
                else:
                    g = asyncio.gather(done, c, return_exceptions=True)
                await asyncio.sleep(0)
                g.cancel("stop")
                try:
                    await g
                except asyncio.CancelledError as e:
                    print(order, m(e))
        asyncio.run(main())
      `,
      expected: ["child first ''", "child last 'stop'"],
      ts: async (print) => {
        const loop = getRunningLoop();
        for (const order of ["child first", "child last"]) {
          const done = loop.createFuture<void>();
          done.setResult(undefined);
          const c = createTask(sleep(1));
          const g =
            order === "child first"
              ? gather(c, done, { returnExceptions: true })
              : gather(done, c, { returnExceptions: true });
          await sleep(0);
          g.cancel("stop");
          try {
            await g;
          } catch (err) {
            if (!isCancelled(err)) throw err;
            print(order, quoted(err));
          }
        }
      },
    }));
});
