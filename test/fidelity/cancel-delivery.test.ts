/**
 * When a cancel reaches a task's code, against CPython 3.13: a cancel
 * requested while the task runs waits for its next suspension, and is then
 * delivered in the order of the loop's ready queue.
 */
import { describe, it } from "node:test";
import { createTask, currentTask, gather, isCancelled, sleep, type GatheringFuture, type Task } from "asyncio-ts";
import { quoted, twin } from "./twin.js";

describe("fidelity: when a cancel is delivered", () => {
  it("a task's cancel of itself is delivered after the callbacks already queued: a task created just before runs first", () =>
    twin({
      python: `
        import asyncio
        def m(e): return repr(e.args[0] if e.args else '')
        async def other():
            print("other: ran")
        async def main():
            asyncio.create_task(other())
            asyncio.current_task().cancel("stop")
            try:
                await asyncio.sleep(1)
                print("main: slept")
            except asyncio.CancelledError as e:
                print("main: cancelled", m(e))
        asyncio.run(main())
      `,
      expected: ["other: ran", "main: cancelled 'stop'"],
      ts: async (print) => {
        createTask(async () => {
          print("other: ran");
        });
        currentTask()!.cancel("stop");
        try {
          await sleep(1);
          print("main: slept");
        } catch (err) {
          if (!isCancelled(err)) throw err;
          print("main: cancelled", quoted(err));
        }
      },
    }));

  it("a gather cancelled from inside its own child: the child's cancel waits for its next suspension, after a task it created", () =>
    twin({
      python: `
        import asyncio
        def m(e): return repr(e.args[0] if e.args else '')
        async def other():
            print("other: ran")
        async def child():
            print("child: start")
            asyncio.create_task(other())
            g.cancel("stop")
            try:
                await asyncio.sleep(1)
                print("child: slept")
            except asyncio.CancelledError as e:
                print("child: cancelled", m(e))
                raise
        async def main():
            global g
            g = asyncio.gather(child())
            try:
                await g
            except asyncio.CancelledError as e:
                print("main: gather cancelled", m(e))
        asyncio.run(main())
      `,
      expected: ["child: start", "other: ran", "child: cancelled 'stop'", "main: gather cancelled 'stop'"],
      ts: async (print) => {
        let g!: GatheringFuture<unknown>;
        const child = async (): Promise<void> => {
          print("child: start");
          createTask(async () => {
            print("other: ran");
          });
          g.cancel("stop");
          try {
            await sleep(1);
            print("child: slept");
          } catch (err) {
            if (!isCancelled(err)) throw err;
            print("child: cancelled", quoted(err));
            throw err;
          }
        };
        g = gather(child);
        try {
          await g;
        } catch (err) {
          if (!isCancelled(err)) throw err;
          print("main: gather cancelled", quoted(err));
        }
      },
    }));

  it("a parent's cancel cascading to the running child that requested it is delivered after a task the child created", () =>
    twin({
      python: `
        import asyncio
        def m(e): return repr(e.args[0] if e.args else '')
        async def other():
            print("other: ran")
        async def child():
            print("child: start")
            asyncio.create_task(other())
            parent.cancel("stop")
            try:
                await asyncio.sleep(1)
                print("child: slept")
            except asyncio.CancelledError as e:
                print("child: cancelled", m(e))
                raise
        async def parent_fn():
            try:
                await asyncio.create_task(child())
            except asyncio.CancelledError as e:
                print("parent: cancelled", m(e))
        async def main():
            global parent
            parent = asyncio.create_task(parent_fn())
            await parent
        asyncio.run(main())
      `,
      expected: ["child: start", "other: ran", "child: cancelled 'stop'", "parent: cancelled 'stop'"],
      ts: async (print) => {
        let parent!: Task<void>;
        const child = async (): Promise<void> => {
          print("child: start");
          createTask(async () => {
            print("other: ran");
          });
          parent.cancel("stop");
          try {
            await sleep(1);
            print("child: slept");
          } catch (err) {
            if (!isCancelled(err)) throw err;
            print("child: cancelled", quoted(err));
            throw err;
          }
        };
        parent = createTask(async () => {
          try {
            await createTask(child);
          } catch (err) {
            if (!isCancelled(err)) throw err;
            print("parent: cancelled", quoted(err));
          }
        });
        await parent;
      },
    }));

  it("with a cancel pending, awaiting a task that is already done returns its result; the cancel comes at the next suspension", () =>
    twin({
      python: `
        import asyncio
        def m(e): return repr(e.args[0] if e.args else '')
        async def work():
            return 42
        async def main():
            t = asyncio.create_task(work())
            await asyncio.sleep(0)
            print("t done:", t.done())
            asyncio.current_task().cancel("stop")
            try:
                print("await t ->", await t)
                print("cancelling:", asyncio.current_task().cancelling())
                await asyncio.sleep(0)
                print("main: slept")
            except asyncio.CancelledError as e:
                print("main: cancelled", m(e))
        asyncio.run(main())
      `,
      expected: ["t done: True", "await t -> 42", "cancelling: 1", "main: cancelled 'stop'"],
      ts: async (print) => {
        const t = createTask(async () => 42);
        await sleep(0);
        print("t done:", t.done());
        currentTask()!.cancel("stop");
        try {
          print("await t ->", await t);
          print("cancelling:", currentTask()!.cancelling());
          await sleep(0);
          print("main: slept");
        } catch (err) {
          if (!isCancelled(err)) throw err;
          print("main: cancelled", quoted(err));
        }
      },
    }));

  it("a task cancelled while it waits in sleep(0) gets the cancel in its turn, before a task that slept with it wakes", () =>
    twin({
      python: `
        import asyncio
        def m(e): return repr(e.args[0] if e.args else '')
        async def sleeper(name):
            try:
                await asyncio.sleep(0)
                print(f"{name}: woke")
            except asyncio.CancelledError as e:
                print(f"{name}: cancelled", m(e))
        async def main():
            a = asyncio.create_task(sleeper("a"))
            b = asyncio.create_task(sleeper("b"))
            await asyncio.sleep(0)
            a.cancel()
            await asyncio.gather(a, b, return_exceptions=True)
        asyncio.run(main())
      `,
      expected: ["a: cancelled ''", "b: woke"],
      ts: async (print) => {
        const sleeper = (name: string) => async (): Promise<void> => {
          try {
            await sleep(0);
            print(`${name}: woke`);
          } catch (err) {
            if (!isCancelled(err)) throw err;
            print(`${name}: cancelled`, quoted(err));
          }
        };
        const a = createTask(sleeper("a"));
        const b = createTask(sleeper("b"));
        await sleep(0);
        a.cancel();
        await gather(a, b, { returnExceptions: true });
      },
    }));
});
