/**
 * Eager tasks against CPython 3.13's eager_task_factory: where an eager
 * task's first step runs (inside createTask from a task, from a loop
 * callback, from another eager task), which task is current there, and when
 * its later steps and done callbacks run.
 *
 * The programs print no task name after a task's first step: CPython 3.13.0
 * renames a task made by a task factory after the step, to "None" when
 * create_task got no name (docs/differences.md, "Eager tasks").
 */
import { describe, it } from "node:test";
import {
  CancelledError,
  Future,
  type Task,
  createTask,
  currentTask,
  eagerTaskFactory,
  getRunningLoop,
  sleep,
} from "asyncio-ts";
import { quoted, twin } from "./twin.js";

describe("fidelity: eager tasks", () => {
  it("an eager task's first step runs inside createTask, from a task, a loop callback or another eager task", () =>
    twin({
      python: `
        import asyncio
        async def main():
            loop = asyncio.get_running_loop()
            loop.set_task_factory(asyncio.eager_task_factory)
            tasks = {}
            fut = loop.create_future()
            async def child(name):
                print(name, "starts in", asyncio.current_task().get_name())
                r = await fut
                print(name, "woke with", r, "current is itself:", asyncio.current_task() is tasks[name])
                return name
            def cb():
                print("callback creates C")
                tasks["C"] = asyncio.create_task(child("C"))
                print("callback: current", asyncio.current_task(), "C done", tasks["C"].done())
            def setter():
                print("setter sets fut")
                fut.set_result(1)
            loop.call_soon(cb)
            loop.call_soon(setter)
            a = tasks["A"] = asyncio.create_task(child("A"))
            print("main: current", asyncio.current_task().get_name(), "A done", a.done())
            a.add_done_callback(lambda t: print("A done callback", t.result()))
            await asyncio.sleep(0)
            print("main after sleep(0)")
            await a
            print("main after await A")
            async def outer():
                print("outer starts")
                inner = tasks["I"] = asyncio.create_task(child("I"))
                print("outer: current", asyncio.current_task().get_name(), "I done", inner.done())
                return await inner
            fut = loop.create_future()
            o = asyncio.create_task(outer())
            print("main: O done", o.done())
            loop.call_soon(setter)
            print("main got", await o)
            async def self_cancel(then_await):
                asyncio.current_task().cancel("stop")
                if then_await:
                    await asyncio.sleep(0)
                return "returned"
            s2 = asyncio.create_task(self_cancel(True))
            print("s2 done", s2.done())
            try:
                await s2
            except asyncio.CancelledError as e:
                print("s2 cancelled", repr(e.args[0] if e.args else ""))
        asyncio.run(main())
      `,
      expected: [
        "A starts in Task-2",
        "main: current Task-1 A done False",
        "callback creates C",
        "C starts in Task-3",
        "callback: current None C done False",
        "setter sets fut",
        "main after sleep(0)",
        "A woke with 1 current is itself: True",
        "C woke with 1 current is itself: True",
        "A done callback A",
        "main after await A",
        "outer starts",
        "I starts in Task-5",
        "outer: current Task-4 I done False",
        "main: O done False",
        "setter sets fut",
        "I woke with 1 current is itself: True",
        "main got I",
        "s2 done False",
        "s2 cancelled 'stop'",
      ],
      ts: async (print) => {
        const loop = getRunningLoop();
        loop.setTaskFactory(eagerTaskFactory);
        const tasks = new Map<string, Task<unknown>>();
        let fut = loop.createFuture<number>();
        const child = (name: string) => async (): Promise<string> => {
          print(name, "starts in", currentTask()!.getName());
          const r = await fut;
          print(name, "woke with", r, "current is itself:", currentTask() === tasks.get(name));
          return name;
        };
        const cb = (): void => {
          print("callback creates C");
          tasks.set("C", createTask(child("C")));
          print("callback: current", currentTask(), "C done", tasks.get("C")!.done());
        };
        const setter = (): void => {
          print("setter sets fut");
          fut.setResult(1);
        };
        loop.callSoon(cb);
        loop.callSoon(setter);
        const a = createTask(child("A"));
        tasks.set("A", a);
        print("main: current", currentTask()!.getName(), "A done", a.done());
        a.addDoneCallback((t) => print("A done callback", t.result()));
        await sleep(0);
        print("main after sleep(0)");
        await a;
        print("main after await A");
        const outer = async (): Promise<string> => {
          print("outer starts");
          const inner = createTask(child("I"));
          tasks.set("I", inner);
          print("outer: current", currentTask()!.getName(), "I done", inner.done());
          return await inner;
        };
        fut = new Future<number>();
        const o = createTask(outer);
        print("main: O done", o.done());
        loop.callSoon(setter);
        print("main got", await o);
        const selfCancel = (thenAwait: boolean) => async (): Promise<string> => {
          currentTask()!.cancel("stop");
          if (thenAwait) await sleep(0);
          return "returned";
        };
        const s2 = createTask(selfCancel(true));
        print("s2 done", s2.done());
        try {
          await s2;
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
          print("s2 cancelled", quoted(e));
        }
      },
    }));
});
