// Constructors the types offer work; the others cannot be reached. Before,
// the .d.ts let `new Task({ loop })` and the rest type-check, and they then
// built broken objects.
import { GatheringFuture, Handle, Task, TimerHandle, Timeout, getRunningLoop, run, sleep } from "asyncio-ts";

export async function constructors(): Promise<void> {
  await run(async () => {
    const loop = getRunningLoop();
    // As CPython's asyncio.Task(coro, loop=...): public, and checked.
    const task: Task<number> = new Task(async () => 1, { loop, name: "one" });
    await task;
    await new Task(() => sleep(0));
    // @ts-expect-error TS2353 a Task's body is an async function, a Coroutine or a Future, not options
    new Task({ loop });
    // @ts-expect-error TS2674 gather() makes a GatheringFuture
    new GatheringFuture([], loop);
    // @ts-expect-error TS2674 the loop makes handles: callSoon(), callLater(), callAt()
    new Handle(() => {}, undefined, loop);
    // @ts-expect-error TS2674 the loop makes timer handles
    new TimerHandle(1, () => {}, undefined, loop, 1);
    // @ts-expect-error TS2674 timeout(), timeoutAt() and waitFor() make a Timeout
    new Timeout(1, "timeout()");
  });
}
