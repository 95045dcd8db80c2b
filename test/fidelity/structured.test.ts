/**
 * TaskGroup, Lock, Event and Queue against CPython 3.13: the same programs
 * must interleave the same way, step for step, cancellations included.
 */
import { describe, it } from "node:test";
import {
  CancelledError,
  Event,
  ExceptionGroup,
  Lock,
  Queue,
  QueueShutDown,
  createTask,
  currentTask,
  sleep,
  taskGroup,
} from "asyncio-ts";
import { twin } from "./twin.js";

class ValueError extends Error {}

describe("fidelity: structured concurrency and synchronization", () => {
  it("a TaskGroup whose task fails while two others take turns with a Lock after an Event", () =>
    twin({
      python: `
        import asyncio
        async def main():
            lock = asyncio.Lock()
            ev = asyncio.Event()
            async def worker(name, n):
                await ev.wait()
                print(name, "woke")
                try:
                    for i in range(n):
                        async with lock:
                            print(name, "holds", i)
                            await asyncio.sleep(0)
                        await asyncio.sleep(0)
                except asyncio.CancelledError:
                    print(name, "cancelled; lock held:", lock.locked())
                    raise
                return name
            async def failing():
                await ev.wait()
                await asyncio.sleep(0)
                await asyncio.sleep(0)
                print("failing raises")
                raise ValueError("boom")
            try:
                async with asyncio.TaskGroup() as tg:
                    a = tg.create_task(worker("a", 3))
                    b = tg.create_task(worker("b", 3))
                    tg.create_task(failing())
                    await asyncio.sleep(0)
                    print("body sets the event")
                    ev.set()
                    try:
                        await asyncio.sleep(10)
                    except asyncio.CancelledError:
                        print("body cancelled; cancelling:", asyncio.current_task().cancelling())
                        raise
            except* ValueError as eg:
                print("caught", ", ".join(str(e) for e in eg.exceptions))
            print("a cancelled", a.cancelled(), "b cancelled", b.cancelled(), "lock held:", lock.locked())
            print("cancelling after:", asyncio.current_task().cancelling())
        asyncio.run(main())
      `,
      expected: [
        "body sets the event",
        "a woke",
        "a holds 0",
        "b woke",
        "b holds 0",
        "failing raises",
        "a cancelled; lock held: False",
        "b cancelled; lock held: False",
        "body cancelled; cancelling: 1",
        "caught boom",
        "a cancelled True b cancelled True lock held: False",
        "cancelling after: 0",
      ],
      ts: async (print) => {
        const lock = new Lock();
        const ev = new Event();
        const worker = (name: string, n: number) => async (): Promise<string> => {
          await ev.wait();
          print(name, "woke");
          try {
            for (let i = 0; i < n; i++) {
              await lock.with(async () => {
                print(name, "holds", i);
                await sleep(0);
              });
              await sleep(0);
            }
          } catch (err) {
            if (err instanceof CancelledError) print(name, "cancelled; lock held:", lock.locked());
            throw err;
          }
          return name;
        };
        const failing = async (): Promise<void> => {
          await ev.wait();
          await sleep(0);
          await sleep(0);
          print("failing raises");
          throw new ValueError("boom");
        };
        let a!: ReturnType<typeof createTask<string>>;
        let b!: ReturnType<typeof createTask<string>>;
        try {
          await taskGroup(async (tg) => {
            a = tg.createTask(worker("a", 3));
            b = tg.createTask(worker("b", 3));
            tg.createTask(failing);
            await sleep(0);
            print("body sets the event");
            ev.set();
            try {
              await sleep(10);
            } catch (err) {
              if (err instanceof CancelledError) print("body cancelled; cancelling:", currentTask()!.cancelling());
              throw err;
            }
          });
        } catch (err) {
          if (!(err instanceof ExceptionGroup)) throw err;
          const [matched, rest] = err.split(ValueError);
          if (rest !== undefined) throw rest;
          print("caught", matched!.exceptions.map((e) => (e as Error).message).join(", "));
        }
        print("a cancelled", a.cancelled(), "b cancelled", b.cancelled(), "lock held:", lock.locked());
        print("cancelling after:", currentTask()!.cancelling());
      },
    }));

  it("a bounded Queue with two consumers, one cancelled along the way, then join() and shutdown()", () =>
    twin({
      python: `
        import asyncio
        async def main():
            q = asyncio.Queue(maxsize=1)
            async def consumer(name):
                try:
                    while True:
                        item = await q.get()
                        print(name, "got", item)
                        q.task_done()
                        await asyncio.sleep(0)
                except asyncio.CancelledError:
                    print(name, "cancelled")
                    raise
                except asyncio.QueueShutDown:
                    print(name, "sees the shutdown")
            c1 = asyncio.create_task(consumer("c1"))
            c2 = asyncio.create_task(consumer("c2"))
            for i in range(4):
                await q.put(i)
                print("put", i)
                if i == 1:
                    c1.cancel()
            await q.join()
            print("joined, size", q.qsize())
            q.shutdown()
            await asyncio.sleep(0)
            print("c1 cancelled", c1.cancelled(), "c2 done", c2.done())
        asyncio.run(main())
      `,
      expected: [
        "put 0",
        "c1 got 0",
        "put 1",
        "c1 cancelled",
        "c2 got 1",
        "put 2",
        "c2 got 2",
        "put 3",
        "c2 got 3",
        "joined, size 0",
        "c2 sees the shutdown",
        "c1 cancelled True c2 done True",
      ],
      ts: async (print) => {
        const q = new Queue<number>({ maxsize: 1 });
        const consumer = (name: string) => async (): Promise<void> => {
          try {
            for (;;) {
              const item = await q.get();
              print(name, "got", item);
              q.taskDone();
              await sleep(0);
            }
          } catch (err) {
            if (err instanceof CancelledError) {
              print(name, "cancelled");
              throw err;
            }
            if (!(err instanceof QueueShutDown)) throw err;
            print(name, "sees the shutdown");
          }
        };
        const c1 = createTask(consumer("c1"));
        const c2 = createTask(consumer("c2"));
        for (let i = 0; i < 4; i++) {
          await q.put(i);
          print("put", i);
          if (i === 1) c1.cancel();
        }
        await q.join();
        print("joined, size", q.qsize());
        q.shutdown();
        await sleep(0);
        print("c1 cancelled", c1.cancelled(), "c2 done", c2.done());
      },
    }));
});
