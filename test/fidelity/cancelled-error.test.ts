/**
 * Which CancelledError comes out, and with which message, against CPython
 * 3.13: a task keeps the error its code raised for the first reader only
 * (Future._make_cancelled_error), gather's results carry the Future-level
 * message, and a pending cancel never replaces an error that is already a
 * CancelledError (Task.__step).
 */
import { describe, it } from "node:test";
import { createTask, gather, isCancelled, sleep } from "asyncio-ts";
import { quoted, twin } from "./twin.js";

describe("fidelity: which CancelledError comes out", () => {
  it("gather(t, returnExceptions) after t.cancel('stop') gives CancelledError(''); the first await t then raises 'stop'", () =>
    twin({
      python: `
        import asyncio
        def m(e): return repr(e.args[0] if e.args else '')
        async def work():
            await asyncio.sleep(10)
        async def main():
            t = asyncio.create_task(work())
            await asyncio.sleep(0)
            t.cancel("stop")
            [r] = await asyncio.gather(t, return_exceptions=True)
            print("gather ->", type(r).__name__, m(r))
            try:
                await t
            except asyncio.CancelledError as e:
                print("await t ->", m(e))
        asyncio.run(main())
      `,
      expected: ["gather -> CancelledError ''", "await t -> 'stop'"],
      ts: async (print) => {
        const t = createTask(() => sleep(10));
        await sleep(0);
        t.cancel("stop");
        const [r] = await gather(t, { returnExceptions: true });
        print("gather ->", (r as Error).name, quoted(r));
        try {
          await t;
        } catch (err) {
          if (!isCancelled(err)) throw err;
          print("await t ->", quoted(err));
        }
      },
    }));

  it("the first await of a task cancelled with 'stop' raises 'stop'; later awaits raise ''", () =>
    twin({
      python: `
        import asyncio
        def m(e): return repr(e.args[0] if e.args else '')
        async def work():
            await asyncio.sleep(10)
        async def main():
            t = asyncio.create_task(work())
            await asyncio.sleep(0)
            t.cancel("stop")
            for i in (1, 2, 3):
                try:
                    await t
                except asyncio.CancelledError as e:
                    print(f"await t #{i} ->", m(e))
        asyncio.run(main())
      `,
      expected: ["await t #1 -> 'stop'", "await t #2 -> ''", "await t #3 -> ''"],
      ts: async (print) => {
        const t = createTask(() => sleep(10));
        await sleep(0);
        t.cancel("stop");
        for (const i of [1, 2, 3]) {
          try {
            await t;
          } catch (err) {
            if (!isCancelled(err)) throw err;
            print(`await t #${i} ->`, quoted(err));
          }
        }
      },
    }));

  it("a pending cancel('late') on a task whose awaited gather failed with CancelledError raises gather's error, which is retrieved", () =>
    twin({
      python: `
        import asyncio, gc
        def m(e): return repr(e.args[0] if e.args else '')
        reports = []
        async def child():
            await asyncio.sleep(10)
        async def waiter(g):
            try:
                await g
                print("waiter: returned")
            except asyncio.CancelledError as e:
                print("waiter: cancelled", m(e))
                raise
        async def round(child_msg):
            c = asyncio.create_task(child())
            g = asyncio.gather(c)
            w = asyncio.create_task(waiter(g))
            await asyncio.sleep(0)
            c.cancel(child_msg)
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            print("gather done:", g.done(), "cancelled:", g.cancelled())
            print("w.cancel('late') ->", w.cancel("late"))
            try:
                await w
            except asyncio.CancelledError:
                pass
            print("w cancelled:", w.cancelled())
        async def main():
            asyncio.get_running_loop().set_exception_handler(lambda loop, ctx: reports.append(ctx["message"]))
            await round(None)
            await round("x")
        asyncio.run(main())
        gc.collect()
        print("reports:", reports)
      `,
      expected: [
        "gather done: True cancelled: False",
        "w.cancel('late') -> True",
        "waiter: cancelled ''",
        "w cancelled: True",
        "gather done: True cancelled: False",
        "w.cancel('late') -> True",
        "waiter: cancelled 'x'",
        "w cancelled: True",
        "reports: []",
      ],
      ts: async (print) => {
        const round = async (childMsg?: string): Promise<void> => {
          const c = createTask(() => sleep(10));
          const g = gather(c);
          const w = createTask(async () => {
            try {
              await g;
              print("waiter: returned");
            } catch (err) {
              if (!isCancelled(err)) throw err;
              print("waiter: cancelled", quoted(err));
              throw err;
            }
          });
          await sleep(0);
          c.cancel(childMsg);
          await sleep(0);
          await sleep(0);
          print("gather done:", g.done(), "cancelled:", g.cancelled());
          print("w.cancel('late') ->", w.cancel("late"));
          try {
            await w;
          } catch (err) {
            if (!isCancelled(err)) throw err;
          }
          print("w cancelled:", w.cancelled());
        };
        await round();
        await round("x");
      },
      after: (print, reports) => {
        print(`reports: [${reports.map((r) => quoted(r.message)).join(", ")}]`);
      },
    }));

  it("a gather cancelled twice, the second time with 'again', while its child swallows the cancel, raises 'again'", () =>
    twin({
      python: `
        import asyncio
        def m(e): return repr(e.args[0] if e.args else '')
        async def child():
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError as e:
                print("child: swallowed", m(e))
            return "child result"
        async def main():
            c = asyncio.create_task(child())
            g = asyncio.gather(c)
            await asyncio.sleep(0)
            print("g.cancel('first') ->", g.cancel("first"))
            print("g.cancel('again') ->", g.cancel("again"))
            try:
                print("gather ->", await g)
            except asyncio.CancelledError as e:
                print("gather: cancelled", m(e))
            print("child:", c.result())
        asyncio.run(main())
      `,
      expected: [
        "g.cancel('first') -> True",
        "g.cancel('again') -> True",
        "child: swallowed 'first'",
        "gather: cancelled 'again'",
        "child: child result",
      ],
      ts: async (print) => {
        const c = createTask(async () => {
          try {
            await sleep(10);
          } catch (err) {
            if (!isCancelled(err)) throw err;
            print("child: swallowed", quoted(err));
          }
          return "child result";
        });
        const g = gather(c);
        await sleep(0);
        print("g.cancel('first') ->", g.cancel("first"));
        print("g.cancel('again') ->", g.cancel("again"));
        try {
          print("gather ->", await g);
        } catch (err) {
          if (!isCancelled(err)) throw err;
          print("gather: cancelled", quoted(err));
        }
        print("child:", c.result());
      },
    }));
});
