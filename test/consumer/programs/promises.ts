// Futures, Tasks and Coroutines are Promises to TypeScript: a helper typed
// with Promise accepts what the library returns.
import { Coroutine, Future, Task, createTask, gather, sleep, timeout, waitFor } from "asyncio-ts";
import { type Equal, expectType } from "./expect.js";

function retry<T>(attempt: () => Promise<T>): Promise<T> {
  return attempt().catch(() => attempt());
}
function logged(p: Promise<unknown>): Promise<unknown> {
  return p.finally(() => console.log("settled"));
}

export async function main(): Promise<void> {
  const task = createTask(async () => 1);
  const helper: () => Promise<unknown> = () => waitFor(task, 1);
  const n = await retry(() => waitFor(task, 2));
  expectType<Equal<typeof n, number>>(true);
  await retry(() => timeout(1, async () => "s"));
  await logged(task);
  await logged(sleep(0.1));
  await logged(gather(task));

  const fromTask: Promise<number> = task;
  const fromFuture: Promise<string> = new Future<string>();
  const fromCoroutine: Promise<number> = waitFor(task, 1);
  const all = await Promise.all([task, waitFor(task, 1), sleep(0, "s")]);
  expectType<Equal<typeof all, [number, number, string]>>(true);

  const caught = await waitFor(task, 1).catch((err: unknown) => String(err));
  expectType<Equal<typeof caught, number | string>>(true);
  const tag: string = task[Symbol.toStringTag];

  // @ts-expect-error TS2322 still a Promise of the result's type
  const wrong: Promise<string> = task;
  // @ts-expect-error TS2322 a Coroutine of a number is not a Promise of a string
  const wrongCoroutine: Promise<string> = waitFor(task, 1);
  // @ts-expect-error TS2740 a Promise is not a Task: it has no cancel()
  const notTask: Task<number> = Promise.resolve(1);
  // @ts-expect-error TS2739 nor a Coroutine
  const notCoroutine: Coroutine<number> = Promise.resolve(1);
  await Promise.all([helper(), fromTask, fromFuture, fromCoroutine, tag, wrong, wrongCoroutine, notTask, notCoroutine]);
}
